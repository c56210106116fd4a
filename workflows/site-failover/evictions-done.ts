import type { Eviction } from '../../domain/planner/failover-plan';
import type { StepRecord } from '../run-journal';

/** What became of one eviction the plan asked for. */
export interface EvictionOutcome extends Eviction {
  /**
   * evicted: the move that took the machine shut its occupant down and kept the machine.
   * not-evicted: the move never reached its evict step, or undid it when it failed; the
   * occupant kept (or got back) its machine. `reason` says which.
   */
  readonly outcome: 'evicted' | 'not-evicted';
  readonly reason?: string;
}

/**
 * How the run that took a machine ended: its steps (from its report) and whether it kept the
 * machine.
 */
export interface MoveEnd {
  readonly ok: boolean;
  readonly steps: readonly StepRecord[];
  readonly error?: { readonly type: string; readonly message: string };
}

/**
 * The plan's evictions as the child runs did them, read from each run's own steps, never from
 * the plan: a machine whose move failed before its `evict` step still runs its occupant. A
 * move that evicted and then failed was undone (its occupant powered back on), so that
 * eviction did not happen either. A move that never started (its group never ran) has no end.
 */
export function evictionsDone(
  planned: readonly Eviction[],
  ends: ReadonlyMap<string, MoveEnd>,
): EvictionOutcome[] {
  return planned.map((e): EvictionOutcome => {
    const end = ends.get(e.machine);
    if (end === undefined)
      return { ...e, outcome: 'not-evicted', reason: `no move on ${e.machine} ran` };
    const evicted = end.steps.some((s) => s.name === 'evict' && s.outcome === 'ok');
    const why = end.error ? ` (${end.error.type}: ${end.error.message})` : '';
    if (end.ok) return { ...e, outcome: 'evicted' };
    if (evicted)
      return {
        ...e,
        outcome: 'not-evicted',
        reason: `the move on ${e.machine} evicted it, then failed and was undone, so ${e.occupant} runs there again${why}`,
      };
    return {
      ...e,
      outcome: 'not-evicted',
      reason: `the move on ${e.machine} ended before its evict step; ${e.occupant} kept running${why}`,
    };
  });
}
