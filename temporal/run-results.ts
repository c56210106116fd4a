import { WorkflowNotFoundError, type Client } from '@temporalio/client';

/** What Temporal says of a workflow run: its type, its status, and (once completed) its result. */
export interface RunResult {
  readonly workflowType: string;
  /** COMPLETED, RUNNING, FAILED, CANCELED, TERMINATED, TIMED_OUT, CONTINUED_AS_NEW… */
  readonly status: string;
  /** The run's return value, decoded; only when status is COMPLETED. */
  readonly result?: unknown;
}

/**
 * Reads the latest run of `workflowId`: undefined when Temporal knows no such workflow. The
 * result is read only from a completed run (and from that run, not one it continued into), so
 * the call never waits for a run still going.
 */
export async function readRunResult(
  client: Client,
  workflowId: string,
): Promise<RunResult | undefined> {
  try {
    const described = await client.workflow.getHandle(workflowId).describe();
    const status = described.status.name;
    if (status !== 'COMPLETED') return { workflowType: described.type, status };
    const result: unknown = await client.workflow
      .getHandle(workflowId, described.runId, { followRuns: false })
      .result();
    return { workflowType: described.type, status, result };
  } catch (e) {
    if (e instanceof WorkflowNotFoundError) return undefined;
    throw e;
  }
}
