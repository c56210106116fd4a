import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { Router } from 'express';
import { RUNBOOK_KEY } from '../../temporal/search-attributes';
import { auditRun } from '../audit-log';
import { permitted } from '../auth';
import { conflict, notFound } from '../http-errors';
import { runIdOf } from './runs';

/**
 * POST /api/v1/runs/<runId>/cancel: asks a run to cancel (its saga compensates what it did). Who
 * may start a runbook may cancel its runs: a drill operator its drills, an operator any run.
 */
export function runCancelRoutes(deps: { readonly client: Client }): Router {
  const router = Router();
  router.post('/api/v1/runs/*runId', async (req, res, next) => {
    const parts = (req.params as Record<string, string[]>).runId ?? [];
    if (parts.at(-1) !== 'cancel') {
      next();
      return;
    }
    const runId = runIdOf(req, res, 1);
    if (runId === undefined) return;
    auditRun(res, runId);
    const handle = deps.client.workflow.getHandle(runId);
    let described;
    try {
      described = await handle.describe();
    } catch (e) {
      if (!(e instanceof WorkflowNotFoundError)) throw e;
      notFound(res, `no run "${runId}"`, [{ path: 'runId', message: 'no such run' }]);
      return;
    }
    const runbook = described.typedSearchAttributes.get(RUNBOOK_KEY);
    if (runbook === undefined) {
      notFound(res, `"${runId}" is not a runbook run`, [
        { path: 'runId', message: 'not a runbook run' },
      ]);
      return;
    }
    if (!permitted(res, { kind: 'run', runbook })) return;
    if (described.status.name !== 'RUNNING') {
      conflict(res, `${runId} has ended (${described.status.name}); there is nothing to cancel`, [
        { path: 'runId', message: 'not running' },
      ]);
      return;
    }
    await handle.cancel();
    res.status(202).json({ runId, runbook, cancelRequested: true });
  });
  return router;
}
