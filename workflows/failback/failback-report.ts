import type { StepRecord } from '../run-journal';

type ErrorInfo = { readonly type: string; readonly message: string };

/** What a failback did for one persona. */
export interface FailbackPersonaOutcome {
  readonly persona: string;
  /**
   * returned: its move ran and it answers its health check at home. already-home: it ran at
   * home; nothing was moved. failed: no move could be made, or the move failed and was undone
   * (`error` says why; the persona runs where it ran before).
   */
  readonly outcome: 'returned' | 'already-home' | 'failed';
  /** Where it ran before the failback: a machine id, `vm@host`, or `none`. */
  readonly from?: string;
  /** Its home: a machine id or `vm@host`. */
  readonly to?: string;
  /** The child run that moved it (a repurpose, v2p or p2v), `<failback id>/<persona>`. */
  readonly run?: string;
  /** The child run's steps, from its report (also when it failed). */
  readonly steps: readonly StepRecord[];
  readonly error?: ErrorInfo;
}

/** What became of one hypervisor host the failover brought up (or the moves emptied). */
export interface FailbackHostOutcome {
  readonly machine: string;
  /** The cluster it was a host of (before clusters: the cluster persona it hosted). */
  readonly cluster?: string;
  /**
   * released: a `release` of the host powered it off, unmasked its LUNs, cleared its
   * boot assignment, shut its ports and recorded it idle. already-free: the ledger no longer
   * records it as a host. kept: it is still needed, or not safe to release (`reason`). failed:
   * the release failed and was undone (`error`).
   */
  readonly outcome: 'released' | 'already-free' | 'kept' | 'failed';
  readonly run?: string;
  readonly reason?: string;
  readonly error?: ErrorInfo;
}

/**
 * A machine a persona left to go home, as the ledger records it after the move (a move leaves it
 * off and idle).
 */
export interface FailbackMachine {
  readonly machine: string;
  readonly persona: string;
  readonly power: 'on' | 'off' | 'unknown';
  readonly role: 'idle' | 'persona' | 'hypervisor';
}

/** The report of a failback run, served by the `progress` query while it runs. */
export interface FailbackReport {
  readonly runbook: 'failback';
  /** The site-failover run it undid (run mode). */
  readonly run?: string;
  /**
   * running (only in `progress`); completed: every persona is at home and every host it tried is
   * freed; partial: something failed.
   */
  readonly outcome: 'running' | 'completed' | 'partial';
  readonly startedAt: string;
  readonly endedAt?: string;
  readonly personas: readonly FailbackPersonaOutcome[];
  readonly hosts: readonly FailbackHostOutcome[];
  /** The DR machines the moves left: off and idle, free for the next run to take. */
  readonly machines: readonly FailbackMachine[];
  /** Occupants the failover evicted (run mode); the failback does not start them again. */
  readonly evicted: ReadonlyArray<{ readonly persona: string; readonly machine: string }>;
  readonly durationMs: number;
}
