import { defineSignal } from '@temporalio/workflow';
import type { StepRecord } from '../run-journal';

/** A drill copy tells its drill it answers its health check (or that it never will). */
export interface DrillCopyUp {
  readonly persona: string;
  readonly healthy: boolean;
  readonly at: string;
  readonly steps: readonly StepRecord[];
  readonly error?: { readonly type: string; readonly message: string };
}

export const drillCopyUpSignal = defineSignal<[DrillCopyUp]>('drillCopyUp');
/** The drill tells a copy to clean up: every copy is up (or failed) and the hold time is over. */
export const drillCleanupSignal = defineSignal('drillCleanup');
