import { proxyActivities } from '@temporalio/workflow';
import type { SwitchActivities } from '../../activities/switch-activities';
import { switchConfig, undoOp } from '../activity-profiles';

/** Reading and changing switch ports (sessions are serialized per switch, so a call may wait). */
export const switches = proxyActivities<SwitchActivities>(switchConfig);

/** Putting ports back as a compensation: retried more patiently, then left to fix by hand. */
export const switchUndo = proxyActivities<SwitchActivities>(undoOp);
