import { ApplicationFailure, isCancellation } from '@temporalio/workflow';
import type { RunJournal, StepRecord } from './run-journal';
import type { CompensationRecord, Saga } from './saga/saga';

/**
 * What every moving runbook reports: where the persona ended, each step's times, and what was
 * undone.
 */
export interface RunbookReport {
  readonly runbook: string;
  readonly persona?: string;
  readonly outcome: 'completed' | 'compensated' | 'no-capacity';
  /** Where the persona runs at the end (machine id, `vm@host`, or none). */
  readonly endedOn: string;
  readonly steps: readonly StepRecord[];
  readonly compensations: readonly CompensationRecord[];
  /** Undos that failed after their retries: what an operator must fix by hand. */
  readonly leftToFix: readonly string[];
  readonly error?: { readonly type: string; readonly message: string };
  readonly durationMs: number;
}

/**
 * The type and message of the failure at the root of `e` (an activity's or child's
 * ApplicationFailure, under its wrappers).
 */
export function errorOf(e: unknown): { type: string; message: string } {
  let cause = e as { type?: string; name?: string; message?: string; cause?: unknown };
  while (cause?.type === undefined && cause?.cause !== undefined)
    cause = cause.cause as typeof cause;
  return { type: cause?.type ?? cause?.name ?? 'Error', message: cause?.message ?? String(e) };
}

/**
 * The report a failed runbook carries in its failure's details (see runSaga), when `e` is that
 * failure seen from a parent.
 */
export function failureReport(e: unknown): RunbookReport | undefined {
  const report = (e as { cause?: { details?: unknown[] } } | undefined)?.cause?.details?.[0];
  return report !== null && typeof report === 'object' && 'steps' in report
    ? (report as RunbookReport)
    : undefined;
}

/**
 * Runs a saga body. On success the undos are dropped and the report says completed. On
 * failure or cancellation every undo runs (non-cancellable, reverse order), the run fails
 * with the original error's type, and the report — with what was undone and what is left to
 * fix — rides in the failure's details and in the `progress` query.
 */
export async function runSaga(
  runbook: string,
  journal: RunJournal,
  saga: Saga,
  persona: string | undefined,
  body: () => Promise<string>,
  onSettled: () => Promise<void>,
): Promise<RunbookReport> {
  const started = Date.now();
  try {
    const endedOn = await body();
    saga.commit();
    await onSettled();
    journal.finish('completed');
    return {
      runbook,
      ...(persona && { persona }),
      outcome: 'completed',
      endedOn,
      steps: journal.steps,
      compensations: [],
      leftToFix: [],
      durationMs: Date.now() - started,
    };
  } catch (e) {
    const compensations = await saga.compensate();
    journal.finish('failed');
    const error = errorOf(e);
    const report: RunbookReport = {
      runbook,
      ...(persona && { persona }),
      outcome: error.type === 'NoCapacityError' ? 'no-capacity' : 'compensated',
      endedOn: 'unchanged',
      steps: journal.steps,
      compensations,
      leftToFix: compensations
        .filter((c) => c.outcome === 'failed')
        .map((c) => c.leftToFix ?? c.undo),
      error,
      durationMs: Date.now() - started,
    };
    journal.attachReport(report);
    if (isCancellation(e)) throw e;
    throw ApplicationFailure.create({
      type: error.type,
      message: `${runbook} failed: ${error.message}${report.leftToFix.length ? ` (left to fix by hand: ${report.leftToFix.join('; ')})` : ''}`,
      nonRetryable: true,
      details: [report],
    });
  }
}
