import type { Client } from '@temporalio/client';

/** What a site ledger did over a benchmark run, across all its runs (continue-as-new). */
export interface LedgerTally {
  /** Runs of the ledger workflow: one more than its continue-as-new count. */
  readonly runs: number;
  readonly events: number;
  readonly workflowTasks: number;
  /** Updates accepted, by name. */
  readonly updates: Record<string, number>;
  /** Updates that failed (a rule refused them), by failure type. */
  readonly failedUpdates: Record<string, number>;
  /** Activities the ledger itself scheduled (holder checks), by type. */
  readonly activities: Record<string, number>;
}

const bump = (o: Record<string, number>, k: string): void => void (o[k] = (o[k] ?? 0) + 1);

/**
 * Reads every run of `workflowId` (the ledger continues as new) and counts its Updates, their
 * failures and its own activities: where the ledger's work goes at a given scale.
 */
export async function tallyLedger(client: Client, workflowId: string): Promise<LedgerTally> {
  const tally = {
    runs: 0,
    events: 0,
    workflowTasks: 0,
    updates: {} as Record<string, number>,
    failedUpdates: {} as Record<string, number>,
    activities: {} as Record<string, number>,
  };
  for await (const run of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
    const history = await client.workflow.getHandle(workflowId, run.runId).fetchHistory();
    tally.runs += 1;
    for (const e of history.events ?? []) {
      tally.events += 1;
      if (e.workflowTaskCompletedEventAttributes) tally.workflowTasks += 1;
      const accepted = e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest;
      if (accepted?.input?.name) bump(tally.updates, accepted.input.name);
      const failure = e.workflowExecutionUpdateCompletedEventAttributes?.outcome?.failure;
      if (failure) bump(tally.failedUpdates, failure.applicationFailureInfo?.type ?? 'other');
      const scheduled = e.activityTaskScheduledEventAttributes?.activityType?.name;
      if (scheduled) bump(tally.activities, scheduled);
    }
  }
  return tally;
}
