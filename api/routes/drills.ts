import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { Router } from 'express';
import { z } from 'zod';
import { fieldIssues } from '../../common/field-path';
import { DRILL_WORKFLOW_TYPE, listDrillRuns, readDrillRun } from '../drill-runs';
import { rtoTrend } from '../drill-summary';
import { badRequest, notFound } from '../http-errors';
import { runIdOf } from './runs';

const listQuerySchema = z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) });

export interface DrillRoutesDeps {
  readonly client: Client;
}

/**
 * GET /api/v1/drills (the newest drill runs with their report summaries, and the RTO trend over
 * them) and GET /api/v1/drills/:workflowId (one run with its full report). Reports are the runs'
 * results, so they live as long as the namespace keeps closed runs (its retention).
 */
export function drillRoutes(deps: DrillRoutesDeps): Router {
  const router = Router();

  router.get('/api/v1/drills', async (req, res) => {
    const query = listQuerySchema.safeParse(req.query);
    if (!query.success) {
      badRequest(res, 'bad query string', fieldIssues(query.error));
      return;
    }
    const drills = await listDrillRuns(deps.client, query.data.limit);
    const points = drills.flatMap((d) =>
      d.summary?.rtoSeconds == null ? [] : [{ at: d.startedAt, rtoSeconds: d.summary.rtoSeconds }],
    );
    res.json({ drills, rto: rtoTrend(points) });
  });

  router.get('/api/v1/drills/*runId', async (req, res) => {
    const workflowId = runIdOf(req, res);
    if (workflowId === undefined) return;
    let description;
    try {
      description = await deps.client.workflow.getHandle(workflowId).describe();
    } catch (e) {
      if (e instanceof WorkflowNotFoundError) {
        notFound(res, `no drill run "${workflowId}" (GET /api/v1/drills lists them)`);
        return;
      }
      throw e;
    }
    if (description.type !== DRILL_WORKFLOW_TYPE) {
      notFound(res, `"${workflowId}" is a ${description.type} run, not a drill`);
      return;
    }
    const { view, report } = await readDrillRun(deps.client, description);
    res.json({ ...view, report });
  });

  return router;
}
