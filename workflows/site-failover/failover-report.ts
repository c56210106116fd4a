import type { ReplicaPromotion } from '../../activities/replication-activities';
import type { FailoverPlan } from '../../domain/planner/failover-plan';
import type { StepRecord } from '../run-journal';
import type { EvictionOutcome } from './evictions-done';
import type { DeadHostOutcome } from './host-fences';

/** What happened to one lost persona in a failover (or a drill). */
export interface PersonaOutcome {
  readonly persona: string;
  readonly priority: number;
  /**
   * restored: up and healthy where the plan put it. failed: its move ran and failed (undone;
   * `error` says why). not-restored: the plan left it down (`reason`). skipped: a step it
   * depended on failed first (its new hypervisor host did not come up).
   */
  readonly outcome: 'restored' | 'failed' | 'not-restored' | 'skipped';
  /** Where it runs now: a machine id or `vm@host`. */
  readonly endedOn?: string;
  /** The child run that moved it. */
  readonly run?: string;
  readonly startedAt?: string;
  readonly endedAt?: string;
  /** Seconds from the failover's start until the persona answered its health check: its RTO. */
  readonly rtoSeconds?: number;
  /**
   * Restored from replicas at another site: how much of its latest writes it may lack (0: every
   * LUN's replica was sync; else the largest async RPO). Absent when it kept its own LUNs.
   */
  readonly rpoSeconds?: number;
  readonly steps: readonly StepRecord[];
  readonly reason?: string;
  readonly error?: { readonly type: string; readonly message: string };
}

export interface HostOutcome {
  readonly machine: string;
  /** The cluster it joined (absent in reports from before clusters). */
  readonly cluster?: string;
  readonly outcome: 'up' | 'failed';
  readonly run: string;
  readonly startedAt: string;
  readonly endedAt: string;
  readonly error?: { readonly type: string; readonly message: string };
}

export interface GroupOutcome {
  readonly priority: number;
  readonly personas: readonly string[];
  readonly startedAt: string;
  readonly endedAt: string;
  /**
   * The slowest restored persona of the group, from the failover's start; absent when none came
   * back.
   */
  readonly rtoSeconds?: number;
  readonly restored: number;
  readonly failed: number;
}

/**
 * The report of a site-failover or dr-drill run: per persona, per priority group, and the plan it
 * ran.
 */
export interface FailoverReport {
  readonly runbook: 'site-failover' | 'dr-drill';
  readonly mode: 'disaster' | 'planned' | 'drill';
  /**
   * completed: every persona the plan restores is restored. partial: some moves failed.
   * rejected: an operator rejected the plan (nothing changed). expired: nobody approved it in
   * time (nothing changed). nothing-failed: the probes found every machine of the scope alive.
   */
  readonly outcome: 'completed' | 'partial' | 'rejected' | 'expired' | 'nothing-failed';
  readonly startedAt: string;
  readonly endedAt: string;
  readonly failedMachines: readonly string[];
  readonly plan?: FailoverPlan;
  readonly approval?: {
    readonly decision: 'approved' | 'rejected' | 'expired' | 'auto';
    readonly by?: string;
    readonly reason?: string;
    readonly at: string;
  };
  readonly hosts: readonly HostOutcome[];
  readonly personas: readonly PersonaOutcome[];
  readonly groups: readonly GroupOutcome[];
  readonly notRestored: readonly {
    readonly persona: string;
    readonly reason: string;
    readonly detail: string;
  }[];
  /**
   * The plan's evictions as the moves really did them (absent until the moves have run, and in
   * reports of older runs).
   */
  readonly evictions?: readonly EvictionOutcome[];
  /**
   * What detect found on each machine of the scope, as recorded in the ledger (a failover's dark
   * machines: power unknown, unhealthy).
   */
  readonly detected?: readonly {
    readonly machine: string;
    readonly power: 'on' | 'off' | 'unknown';
    readonly healthy: boolean;
  }[];
  /** The replicas promoted before the moves (a failover to another site's arrays). */
  readonly replicas?: readonly ReplicaPromotion[];
  /**
   * Failed hypervisor hosts whose VMs were restarted elsewhere: each fenced once, and which VMs
   * (absent when none; per VM outcome and RTO under `personas`, target `vm@host`).
   */
  readonly deadHosts?: readonly DeadHostOutcome[];
  /**
   * Set when the report would pass Temporal's payload limit with every persona's steps: they were
   * dropped here and are in each persona's child run (report-budget.ts).
   */
  readonly stepsOmitted?: string;
  /** Per BMC, switch, array and site key: its limit and the most moves that held it at once. */
  readonly concurrency?: readonly {
    readonly key: string;
    readonly limit: number;
    readonly peak: number;
  }[];
}

/** Seconds from `startMs` to `at`, to a tenth: how RTOs are reported. */
export function secondsSince(startMs: number, at: string): number {
  return Math.round((Date.parse(at) - startMs) / 100) / 10;
}

/** Every persona of a run that is not back, with why. */
export function notRestoredOf(personas: readonly PersonaOutcome[]): FailoverReport['notRestored'] {
  return personas
    .filter((p) => p.outcome !== 'restored')
    .map((p) => ({
      persona: p.persona,
      reason: p.outcome,
      detail: p.reason ?? p.error?.message ?? '',
    }));
}
