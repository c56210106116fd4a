import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { Router } from 'express';
import { fieldIssues } from '../../common/field-path';
import {
  approvalInputSchema,
  approvalUpdate,
} from '../../workflows/site-failover/failover-messages';
import { auditRun } from '../audit-log';
import { permitted, principalOf } from '../auth';
import { badRequest, conflict, notFound, sendError } from '../http-errors';
import { runMemoOf } from '../run-starter';
import { runIdOf } from './runs';

/**
 * POST /api/v1/runs/<runId>/approval {decision: approve|reject, reason?}: answers a
 * site-failover waiting for approval (`approval: manual`). Operators only, and never with the
 * token that started the run (four eyes); the decision's `by` is the token's name, whatever the
 * body says. 409 when the run has no plan waiting (still planning, already decided, or not a
 * failover); 404 for an unknown run.
 */
export function runApprovalRoutes(deps: { readonly client: Client }): Router {
  const router = Router();
  router.post('/api/v1/runs/*runId', async (req, res, next) => {
    const parts = (req.params as Record<string, string[]>).runId ?? [];
    if (parts.at(-1) !== 'approval') {
      next();
      return;
    }
    if (!permitted(res, { kind: 'approve' })) return;
    const runId = runIdOf(req, res, 1);
    if (runId === undefined) return;
    auditRun(res, runId);
    const parsed = approvalInputSchema.safeParse(req.body ?? {});
    if (!parsed.success) {
      badRequest(res, 'approval body is invalid', fieldIssues(parsed.error, ['body']));
      return;
    }
    const handle = deps.client.workflow.getHandle(runId);
    const me = principalOf(res);
    const described = await handle.describe().catch((e: unknown) => {
      if (e instanceof WorkflowNotFoundError) return undefined;
      throw e;
    });
    if (described === undefined) {
      notFound(res, `no run "${runId}"`, [{ path: 'runId', message: 'no such run' }]);
      return;
    }
    if (runMemoOf(described.memo)?.startedBy.tokenId === me.tokenId) {
      sendError(
        res,
        403,
        'Forbidden',
        `token "${me.name}" started ${runId}; another operator's token must approve or reject it`,
        [
          {
            path: 'headers.authorization',
            message: 'the starter of a run may not decide its approval',
          },
        ],
      );
      return;
    }
    if (described.status.name !== 'RUNNING') {
      conflict(res, `${runId} has ended (${described.status.name}); there is nothing to approve`, [
        { path: 'runId', message: 'not running' },
      ]);
      return;
    }
    try {
      const result = await handle.executeUpdate(approvalUpdate, {
        args: [{ ...parsed.data, by: me.name }],
      });
      res.json({ runId, by: me.name, ...result });
    } catch (e) {
      if (e instanceof WorkflowNotFoundError) {
        // The server says "not found" for an Update to a run that has ended, too.
        conflict(res, `${runId} has ended (${described.status.name}); there is nothing to approve`);
        return;
      }
      if (e instanceof WorkflowUpdateFailedError) {
        conflict(
          res,
          `${runId} did not take the decision: ${(e.cause as Error | undefined)?.message ?? e.message}`,
        );
        return;
      }
      const message = (e as Error).message ?? '';
      // A run that is not a failover has no handler for the Update: the server rejects it.
      if (/update|handler/i.test(message) && /not|unknown|no /i.test(message)) {
        conflict(res, `${runId} takes no approval: ${message}`);
        return;
      }
      throw e;
    }
  });
  return router;
}
