import { defineSignal } from '@temporalio/workflow';

/** Lets a roll-test run finish: sent once the workers have been rolled. */
export const proceedSignal = defineSignal('proceed');

/** What a roll-test run returns: the path it took, and the real runbook's report. */
export interface RollResult<R> {
  readonly path: 'old' | 'new';
  readonly report: R;
}
