import { CancellationScope, isCancellation } from '@temporalio/workflow';
import type { RunJournal } from '../run-journal';
import { errorOf } from '../runbook-report';

/** What became of one registered undo when the run was compensated. */
export interface CompensationRecord {
  readonly step: string;
  readonly undo: string;
  readonly outcome: 'undone' | 'failed';
  /** When the undo failed after its retries: what an operator must put back by hand. */
  readonly leftToFix?: string;
  readonly error?: string;
  readonly startedAt: string;
  readonly endedAt: string;
}

interface Undo {
  readonly step: string;
  readonly summary: string;
  readonly run: () => Promise<unknown>;
}

/**
 * A saga over a RunJournal. Each step that changes hardware registers its undo BEFORE it runs
 * (the step may half-succeed: a switch may take two of three port changes), so the undo must
 * be idempotent and work from state read before the change. On failure or cancellation the
 * undos run in reverse inside a non-cancellable scope; an undo that still fails after its
 * activity retries is recorded with what is left to fix by hand — never swallowed.
 */
export class Saga {
  private readonly undos: Undo[] = [];
  private compensated: CompensationRecord[] | undefined;

  constructor(private readonly journal: RunJournal) {}

  /** Registers an undo without a step of its own (e.g. a lease release that must happen last). */
  onUndo(step: string, summary: string, run: () => Promise<unknown>): void {
    this.undos.push({ step, summary, run });
  }

  /**
   * Runs a step; `undo` is registered first, so it also covers a step that fails half-way. When
   * the step fails with one of `refusedBeforeActing` (error types its activity throws before it
   * touches anything), the undo is dropped again: there is nothing to put back, and an undo that
   * cannot run either (the same refusal) would be reported as left to fix by hand.
   */
  async step<T>(
    name: string,
    summary: string,
    action: () => Promise<T>,
    options: {
      undo?: { summary: string; run: () => Promise<unknown> };
      describe?: (result: T) => string;
      refusedBeforeActing?: readonly string[];
    } = {},
  ): Promise<T> {
    const undo = options.undo && { step: name, ...options.undo };
    if (undo) this.undos.push(undo);
    try {
      return await this.journal.step(name, summary, action, options.describe);
    } catch (e) {
      if (undo && options.refusedBeforeActing?.includes(errorOf(e).type))
        this.undos.splice(this.undos.indexOf(undo), 1);
      throw e;
    }
  }

  /** Undoes every registered step in reverse, once; later calls return the same records. */
  async compensate(): Promise<CompensationRecord[]> {
    if (this.compensated !== undefined) return this.compensated;
    const records: CompensationRecord[] = [];
    await CancellationScope.nonCancellable(async () => {
      for (const undo of [...this.undos].reverse()) {
        const startedAt = new Date().toISOString();
        try {
          await undo.run();
          records.push({
            step: undo.step,
            undo: undo.summary,
            outcome: 'undone',
            startedAt,
            endedAt: new Date().toISOString(),
          });
        } catch (e) {
          records.push({
            step: undo.step,
            undo: undo.summary,
            outcome: 'failed',
            error: (e as Error).message,
            leftToFix: `by hand: ${undo.summary}`,
            startedAt,
            endedAt: new Date().toISOString(),
          });
        }
      }
    });
    this.undos.length = 0;
    this.compensated = records;
    return records;
  }

  /** Forget the undos of a finished run (its changes are now the intended state). */
  commit(): void {
    this.undos.length = 0;
  }

  static isCancellation(e: unknown): boolean {
    return isCancellation(e);
  }
}
