import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { RunResult } from '../domain/failback/run-result';

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
