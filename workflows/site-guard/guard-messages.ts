import { defineQuery, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import { operatorNoteShape } from '../operator-note';
import type { EventKind, GuardAction, LostMachine } from '../../domain/guard/guard-decision';

/** Who pauses or resumes a guard, and why (free text for the status and the notification). */
export const guardToggleInputSchema = z.strictObject(operatorNoteShape);
export type GuardToggleInput = z.output<typeof guardToggleInputSchema>;

/** What the guard did about one event. */
export interface GuardEventRecord {
  readonly id: string;
  readonly kind: EventKind;
  readonly racks: readonly string[];
  readonly machines: readonly LostMachine[];
  readonly at: string;
  readonly actions: ReadonlyArray<{
    readonly kind: GuardAction['kind'];
    readonly approval?: 'auto' | 'manual';
    readonly personas: readonly string[];
    /** The child run (repurpose or site-failover) the guard started. */
    readonly run?: string;
    /** declined: the failover's plan was rejected or its approval expired; nothing moved. */
    readonly state:
      | 'running'
      | 'awaiting-approval'
      | 'completed'
      | 'declined'
      | 'failed'
      | 'reported';
    readonly error?: string;
  }>;
}

export interface GuardStatus {
  readonly site: string;
  readonly state: 'watching' | 'paused' | 'doubtful' | 'acting';
  readonly paused?: { readonly by?: string; readonly reason?: string; readonly at: string };
  readonly lastProbe?: {
    readonly at: string;
    readonly machines: number;
    readonly guarded: number;
    readonly bmcDark: number;
    readonly personasDown: number;
    readonly switchesDown: number;
    readonly doubt?: string;
  };
  readonly rounds: number;
  /** Machines counting towards lost (consecutive failed rounds of both signals). */
  readonly suspects: Readonly<Record<string, number>>;
  readonly events: readonly GuardEventRecord[];
  /**
   * Failovers started with manual approval that still wait (answer them at
   * /api/v1/runs/<run>/approval).
   */
  readonly pendingApprovals: readonly string[];
  readonly notifications: {
    readonly sent: number;
    readonly failed: number;
    readonly lastError?: string;
  };
}

export const guardStatusQuery = defineQuery<GuardStatus>('guardStatus');
/** Stops probing and acting (restores already started go on); refused when already paused. */
export const pauseUpdate = defineUpdate<GuardStatus, [GuardToggleInput]>('pause');
/**
 * Probes again from a clean slate (streaks counted while paused would be stale); refused when not
 * paused.
 */
export const resumeUpdate = defineUpdate<GuardStatus, [GuardToggleInput]>('resume');
