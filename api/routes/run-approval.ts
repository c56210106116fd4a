import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { Router } from 'express';
import { fieldIssues } from '../../common/field-path';
import { approvalInputSchema, approvalUpdate } from '../../workflows/site-failover/failover-messages';
import { badRequest, notFound } from '../http-errors';

/**
 * POST /api/v1/runs/<runId>/approval {decision: approve|reject, by?, reason?}: answers a
 * site-failover waiting for approval (`approval: manual`). 409 when the run has no plan
 * waiting (still planning, already decided, or not a failover); 404 for an unknown run.
 */
export function runApprovalRoutes(deps: { readonly client: Client }): Router {
  const router = Router();
  router.post('/api/v1/runs/*runId', async (req, res, next) => {
    const parts = (req.params as Record<string, string[]>).runId ?? [];
    if (parts.at(-1) !== 'approval') {
      next();
      return;
    }
    const runId = decodeURIComponent(parts.slice(0, -1).join('/'));
    const parsed = approvalInputSchema.safeParse(req.body ?? {});
    if (!parsed.success) {
      badRequest(res, 'approval body is invalid', fieldIssues(parsed.error, ['body']));
      return;
    }
    try {
      const result = await deps.client.workflow.getHandle(runId).executeUpdate(approvalUpdate, { args: [parsed.data] });
      res.json({ runId, ...result });
    } catch (e) {
      if (e instanceof WorkflowNotFoundError) {
        // The server says "not found" for an Update to a run that has ended, too.
        const ended = await deps.client.workflow.getHandle(runId).describe().catch(() => undefined);
        if (ended === undefined) notFound(res, `no run "${runId}"`);
        else res.status(409).json({ error: 'Conflict', message: `${runId} has ended (${ended.status.name}); there is nothing to approve` });
        return;
      }
      if (e instanceof WorkflowUpdateFailedError) {
        res.status(409).json({ error: 'Conflict', message: `${runId} did not take the decision: ${(e.cause as Error | undefined)?.message ?? e.message}` });
        return;
      }
      const message = (e as Error).message ?? '';
      // A run that is not a failover has no handler for the Update: the server rejects it.
      if (/update|handler/i.test(message) && /not|unknown|no /i.test(message)) {
        res.status(409).json({ error: 'Conflict', message: `${runId} takes no approval: ${message}` });
        return;
      }
      throw e;
    }
  });
  return router;
}
