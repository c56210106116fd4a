import type { FailoverReport } from '../site-failover/failover-report';

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
}
