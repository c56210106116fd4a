import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { RUNBOOK_KEY, SITE_KEY } from './search-attributes';
import type { SiteGuardInput } from '../workflows/site-guard/site-guard-input';

/**
 * One guard per site, always under this id: starting a second one for a site is refused by Temporal
 * itself.
 */
export function guardWorkflowId(site: string): string {
  return `site-guard/${site}`;
}

/**
 * Starts the `site-guard` of `input.site` (already validated). Returns false when that site's
 * guard already runs (nothing changed).
 */
export async function startSiteGuard(
  client: Client,
  taskQueue: string,
  input: Omit<SiteGuardInput, 'carry'>,
): Promise<boolean> {
  try {
    await client.workflow.start('siteGuard', {
      taskQueue,
      workflowId: guardWorkflowId(input.site),
      args: [input],
      typedSearchAttributes: [
        { key: RUNBOOK_KEY, value: 'site-guard' },
        { key: SITE_KEY, value: input.site },
      ],
      staticSummary: `site-guard of ${input.site}`,
    });
    return true;
  } catch (e) {
    if (e instanceof WorkflowExecutionAlreadyStartedError) return false;
    throw e;
  }
}
