import { proxyActivities } from '@temporalio/workflow';
import type { PowerActivities } from '../../activities/power-activities';
import { powerOp, powerProbe, powerWait, undoOp } from '../activity-profiles';

type BmcRequests = Pick<
  PowerActivities,
  'readPowerState' | 'requestPower' | 'readBootDevice' | 'setBootDevice'
>;

/** One BMC request each: read the power state, press a button, read or set the boot device. */
export const power = proxyActivities<BmcRequests>(powerOp);

/** The same requests as compensations: retried more patiently, then left to fix by hand. */
export const powerUndo = proxyActivities<BmcRequests>(undoOp);

/**
 * Polling the BMC until `want` is reached: the call lasts as long as the wait it is given, so its
 * timeout is bound per call (the wait plus a minute), not once.
 */
export const waitForPowerState = (timeoutSeconds: number) =>
  proxyActivities<Pick<PowerActivities, 'waitForPowerState'>>(powerWait(timeoutSeconds))
    .waitForPowerState;

/**
 * Asking a BMC last seen dark whether it answers again: tried twice, briefly, because a dead BMC
 * is an answer, not a reason to keep trying.
 */
export const { readPowerState: probePowerState } =
  proxyActivities<Pick<PowerActivities, 'readPowerState'>>(powerProbe);
