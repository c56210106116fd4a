import { defineSignal } from '@temporalio/workflow';
import type { ReplicaSnapshotTaken } from '../../activities/replication-activities';
import type { StepRecord } from '../run-journal';

/** A drill copy tells its drill it answers its health check (or that it never will). */
export interface DrillCopyUp {
  readonly persona: string;
  readonly healthy: boolean;
  readonly at: string;
  readonly steps: readonly StepRecord[];
  readonly error?: { readonly type: string; readonly message: string };
  /** The replica snapshots it runs on (a copy at another site than its persona's LUNs). */
  readonly snapshots?: readonly ReplicaSnapshotTaken[];
}

export const drillCopyUpSignal = defineSignal<[DrillCopyUp]>('drillCopyUp');
/** The drill tells a copy to clean up: every copy is up (or failed) and the hold time is over. */
export const drillCleanupSignal = defineSignal('drillCleanup');
