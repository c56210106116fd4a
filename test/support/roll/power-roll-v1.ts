import { condition, setHandler } from '@temporalio/workflow';
import { power, type PowerReport } from '../../../workflows/power/power-workflow';
import { proceedSignal, type RollResult } from './roll-messages';

/**
 * The versioning roll test's runbook as it shipped first (test/cluster/worker-roll.test.ts):
 * the real `power` runbook, then a wait for the proceed signal, so a run can be held open while
 * the workers are rolled onto power-roll-v2.
 */
export async function powerRoll(input: unknown): Promise<RollResult<PowerReport>> {
  let proceed = false;
  setHandler(proceedSignal, () => void (proceed = true));
  const report = await power(input);
  await condition(() => proceed);
  return { path: 'old', report };
}
