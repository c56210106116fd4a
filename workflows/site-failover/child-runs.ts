import { executeChild, ParentClosePolicy } from '@temporalio/workflow';
import type { SearchAttributePair } from '@temporalio/common';
import { errorOf, failureReport, type RunbookReport } from '../runbook-report';

/**
 * How a child runbook ended: its report when it has one (compensated runs carry theirs in the
 * failure).
 */
export interface ChildEnd {
  readonly ok: boolean;
  readonly run: string;
  readonly startedAt: string;
  readonly endedAt: string;
  readonly report?: RunbookReport;
  readonly error?: { readonly type: string; readonly message: string };
}

/**
 * Runs a child runbook under an id derived from the parent's, so that a replayed or restarted
 * parent never starts the same move twice; cancelling the parent asks the child to cancel (it
 * then undoes itself). Never throws for the child's failure: the caller reports it.
 */
export async function runChild(
  workflowType: string,
  workflowId: string,
  input: unknown,
  searchAttributes: SearchAttributePair[],
): Promise<ChildEnd> {
  const startedAt = new Date().toISOString();
  try {
    const report = (await executeChild(workflowType, {
      workflowId,
      args: [input],
      parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
      typedSearchAttributes: searchAttributes,
    })) as RunbookReport;
    return { ok: true, run: workflowId, startedAt, endedAt: new Date().toISOString(), report };
  } catch (e) {
    const report = failureReport(e);
    return {
      ok: false,
      run: workflowId,
      startedAt,
      endedAt: new Date().toISOString(),
      ...(report && { report }),
      error: errorOf(e),
    };
  }
}

/**
 * When the child's persona first answered its health check: the end of its `health` step, else the
 * child's end.
 */
export function healthyAt(end: ChildEnd): string {
  const health = end.report?.steps.filter((s) => s.name === 'health' && s.outcome === 'ok').at(-1);
  return health?.endedAt ?? end.endedAt;
}
