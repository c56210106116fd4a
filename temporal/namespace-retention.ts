import type { Client } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';

/**
 * How long the dev stack's namespace keeps closed runs. A drill's report is its run's result, so
 * this is also how far back GET /api/v1/drills and the RTO trend reach (the dev server's own
 * default is one day).
 */
export const DEV_RETENTION_DAYS = 30;

const DAY_SECONDS = 86_400;

/**
 * Sets the namespace's workflow execution retention; the server leaves config fields the request
 * does not set as they are.
 */
export async function setNamespaceRetention(
  client: Pick<Client, 'workflowService'>,
  namespace: string,
  days: number,
): Promise<void> {
  await client.workflowService.updateNamespace({
    namespace,
    config: { workflowExecutionRetentionTtl: msToTs(days * DAY_SECONDS * 1000) },
  });
}

/** The namespace's workflow execution retention in days, as the server reports it. */
export async function namespaceRetentionDays(
  client: Pick<Client, 'workflowService'>,
  namespace: string,
): Promise<number> {
  const { config } = await client.workflowService.describeNamespace({ namespace });
  return Number(config?.workflowExecutionRetentionTtl?.seconds ?? 0) / DAY_SECONDS;
}
