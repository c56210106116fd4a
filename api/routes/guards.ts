import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { Router } from 'express';
import { fieldIssues } from '../../common/field-path';
import type { TopologyIndex } from '../../inventory/topology-index';
import { guardWorkflowId, startSiteGuard } from '../../temporal/site-guards';
import {
  guardStatusQuery,
  guardToggleInputSchema,
  pauseUpdate,
  resumeUpdate,
} from '../../workflows/site-guard/guard-messages';
import { siteGuardInputSchema } from '../../workflows/site-guard/site-guard-input';
import { requireAction } from '../auth';
import { badRequest, conflict, notFound } from '../http-errors';

/**
 * What an operator may give when starting a guard: everything but the state a run carries to the
 * next.
 */
const startGuardBodySchema = siteGuardInputSchema.omit({ carry: true });

/**
 * Starting, pausing and resuming a guard decide whether production moves by itself: operators only.
 */
const guardAction = requireAction({ kind: 'run', runbook: 'site-guard' });

/**
 * The site guards: GET /api/v1/guards (each site's guard status, or `not-running`),
 * POST /api/v1/guards {site, policy…} starts one (409 when the site's guard already runs),
 * POST /api/v1/guards/<site>/pause|resume {by?, reason?} (409 when already paused / not paused).
 */
export function guardRoutes(deps: {
  readonly client: Client;
  readonly topology: TopologyIndex;
  readonly taskQueue: string;
}): Router {
  const router = Router();
  const sites = deps.topology.topology.sites.map((s) => s.name);

  router.get('/api/v1/guards', async (_req, res) => {
    const guards = await Promise.all(
      sites.map(async (site) => {
        const handle = deps.client.workflow.getHandle(guardWorkflowId(site));
        const running = await handle.describe().then(
          (d) => d.status.name === 'RUNNING',
          () => false,
        );
        if (!running) return { site, state: 'not-running' };
        return { ...(await handle.query(guardStatusQuery)), workflowId: guardWorkflowId(site) };
      }),
    );
    res.json({ guards });
  });

  router.post('/api/v1/guards', guardAction, async (req, res) => {
    const parsed = startGuardBodySchema.safeParse(req.body ?? {});
    if (!parsed.success) {
      badRequest(res, 'guard body is invalid', fieldIssues(parsed.error, ['body']));
      return;
    }
    if (!sites.includes(parsed.data.site)) {
      badRequest(res, 'guard body does not match the topology', [
        { path: 'body.site', message: `unknown site "${parsed.data.site}"` },
      ]);
      return;
    }
    const unknown = Object.keys(parsed.data.policy.byPersona).filter(
      (p) => !deps.topology.topology.personas.some((x) => x.name === p),
    );
    if (unknown.length > 0) {
      badRequest(
        res,
        'guard body does not match the topology',
        unknown.map((p) => ({
          path: `body.policy.byPersona.${p}`,
          message: `unknown persona "${p}"`,
        })),
      );
      return;
    }
    if (!(await startSiteGuard(deps.client, deps.taskQueue, parsed.data))) {
      conflict(res, `the guard of ${parsed.data.site} already runs; pause or resume it instead`);
      return;
    }
    res.status(202).json({ site: parsed.data.site, workflowId: guardWorkflowId(parsed.data.site) });
  });

  router.post('/api/v1/guards/:site/:verb', guardAction, async (req, res, next) => {
    const { site, verb } = req.params as { site: string; verb: string };
    if (verb !== 'pause' && verb !== 'resume') {
      next();
      return;
    }
    if (!sites.includes(site)) {
      notFound(res, `unknown site "${site}"`);
      return;
    }
    const who = guardToggleInputSchema.safeParse(req.body ?? {});
    if (!who.success) {
      badRequest(res, `${verb} body is invalid`, fieldIssues(who.error, ['body']));
      return;
    }
    try {
      const status = await deps.client.workflow
        .getHandle(guardWorkflowId(site))
        .executeUpdate(verb === 'pause' ? pauseUpdate : resumeUpdate, { args: [who.data] });
      res.json(status);
    } catch (e) {
      if (e instanceof WorkflowNotFoundError) {
        notFound(res, `no guard runs for ${site}; POST /api/v1/guards starts one`);
        return;
      }
      if (e instanceof WorkflowUpdateFailedError) {
        conflict(res, (e.cause as Error | undefined)?.message ?? e.message);
        return;
      }
      throw e;
    }
  });
  return router;
}
