import { failoverReportText, isFailoverReport } from './failover-report-text';

/** A run as GET /api/v1/runs/<runId> returns it (the parts the CLI prints). */
export interface RunOutcomeView {
  readonly runId: string;
  readonly status: string;
  readonly result?: unknown;
  readonly failure?: { readonly type?: string; readonly message: string } | null;
  readonly progress?: { readonly report?: unknown } | null;
}

/**
 * How a run ended, for `rackshift run --follow` and `rackshift runs show`. Two different things
 * are labelled so nobody reads one for the other: the Temporal status of the workflow
 * execution (COMPLETED means the workflow returned, however its runbook went) and the
 * runbook's own outcome (a failover that restored some personas completes as a workflow with
 * outcome partial).
 */
export function runOutcomeText(run: RunOutcomeView): string {
  const lines = [`${run.runId}: Temporal status ${run.status}`];
  if (run.failure) lines.push(`  failure: ${run.failure.type ?? 'Error'}: ${run.failure.message}`);
  // A failover's report (its plan while it waits for approval) is read as tables; its JSON runs to
  // hundreds of kB.
  const failover = run.status === 'COMPLETED' ? run.result : run.progress?.report;
  if (isFailoverReport(failover)) {
    lines.push(
      failoverReportText(failover),
      `  the whole report: rackshift runs show ${run.runId} --json`,
    );
  } else if (run.status === 'COMPLETED') {
    const { steps: _steps, outcome, ...rest } = (run.result ?? {}) as Record<string, unknown>;
    if (typeof outcome === 'string') lines.push(`  runbook outcome ${outcome}`);
    lines.push(`  result: ${JSON.stringify(rest)}`);
  }
  return lines.join('\n');
}
