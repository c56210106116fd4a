import { proxyActivities } from '@temporalio/workflow';
import type { GuardActivities } from '../../activities/guard-activities';
import type { PowerActivities } from '../../activities/power-activities';
import type { SwitchActivities } from '../../activities/switch-activities';
import { fenceOp } from '../activity-profiles';

/**
 * Fencing a machine judged lost: its BMC and switch asked once or twice, briefly, because a burned
 * machine's do not answer and that is the expected case (the LUN unmask is the fence that must
 * hold, and runs under the storage profile).
 */
export const fence = proxyActivities<
  Pick<PowerActivities, 'readPowerState' | 'requestPower' | 'waitForPowerState'> &
    Pick<SwitchActivities, 'readPorts' | 'configurePorts'> &
    Pick<GuardActivities, 'cabledPorts'>
>(fenceOp);
