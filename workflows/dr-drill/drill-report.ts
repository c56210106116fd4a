import type { ReplicaSnapshotTaken } from '../../activities/replication-activities';
import type { FailoverReport } from '../site-failover/failover-report';
import type { DrillCopyUp } from './drill-messages';

/** One replica snapshot a drill copy ran on: which persona's, and its data point. */
export interface DrillSnapshot extends ReplicaSnapshotTaken {
  readonly persona: string;
}

/** A drill's report: the failover report of the test run, plus what the clean-up did. */
export interface DrillReport extends FailoverReport {
  readonly runbook: 'dr-drill';
  readonly mode: 'drill';
  readonly bubble: readonly { readonly network: string; readonly vlan: number }[];
  readonly cleanup: {
    readonly outcome: 'clean' | 'left-to-fix';
    /** What the clean-up could not undo after its retries: for an operator. */
    readonly leftToFix: readonly string[];
  };
  /**
   * The slowest restored persona, in seconds from the drill's start: the number the trend plots.
   */
  readonly rtoSeconds?: number;
  /**
   * A drill at the recovery site: the replica snapshots each copy ran on (deleted at clean-up),
   * with the data point a failover would have had. Absent when no copy ran on replicas.
   */
  readonly snapshots?: readonly DrillSnapshot[];
}

/** The replica snapshots the copies reported, by persona then replica. */
export function snapshotsOf(copies: ReadonlyMap<string, DrillCopyUp>): DrillSnapshot[] {
  return [...copies.values()]
    .flatMap((c) => (c.snapshots ?? []).map((s) => ({ persona: c.persona, ...s })))
    .sort((a, b) => {
      const [x, y] = [`${a.persona}/${a.replica.lun}`, `${b.persona}/${b.replica.lun}`];
      return x < y ? -1 : x > y ? 1 : 0;
    });
}
