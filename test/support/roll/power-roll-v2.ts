import { condition, patched, setHandler, sleep } from '@temporalio/workflow';
import { power, type PowerReport } from '../../../workflows/power/power-workflow';
import { proceedSignal, type RollResult } from './roll-messages';

/**
 * The same runbook changed the way docs/production.md says a change ships: a new step (a
 * settle timer before the power runbook) guarded by `patched()`. A run started on
 * power-roll-v1 has no marker in its history, so on these workers it replays and finishes
 * without the step; a run started here records the marker and takes it. Without the guard, a
 * v1 run replayed here would meet a timer where its history has the power runbook's first
 * command: a non-determinism error.
 */
export async function powerRoll(input: unknown): Promise<RollResult<PowerReport>> {
  let proceed = false;
  setHandler(proceedSignal, () => void (proceed = true));
  const settle = patched('roll-test-settle-timer');
  if (settle) await sleep('1s');
  const report = await power(input);
  await condition(() => proceed);
  return { path: settle ? 'new' : 'old', report };
}
