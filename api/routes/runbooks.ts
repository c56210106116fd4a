import type { Client } from '@temporalio/client';
import { Router } from 'express';
import { z } from 'zod';
import { fieldIssues } from '../../common/field-path';
import type { TopologyIndex } from '../../inventory/topology-index';
import { badRequest, notFound } from '../http-errors';
import { findRunbook, inputJsonSchema, RUNBOOKS } from '../runbook-catalog';
import type { RunLinks } from '../run-links';

const startBodySchema = z.strictObject({ input: z.unknown() });

export interface RunbookRoutesDeps {
  readonly client: Client;
  readonly topology: TopologyIndex;
  readonly taskQueue: string;
  readonly links: RunLinks;
}

/** GET /api/v1/runbooks and POST /api/v1/runbooks/:name/runs. */
export function runbookRoutes(deps: RunbookRoutesDeps): Router {
  const router = Router();

  router.get('/api/v1/runbooks', (_req, res) => {
    res.json({ runbooks: RUNBOOKS.map((r) => ({ name: r.name, description: r.description, inputSchema: inputJsonSchema(r) })) });
  });

  router.post('/api/v1/runbooks/:name/runs', async (req, res) => {
    const entry = findRunbook(req.params.name);
    if (entry === undefined) {
      notFound(res, `unknown runbook "${req.params.name}"; GET /api/v1/runbooks lists them`);
      return;
    }
    const body = startBodySchema.safeParse(req.body ?? {});
    if (!body.success || body.data.input === undefined) {
      badRequest(res, 'body must be { "input": { … } }', body.success ? [{ path: 'input', message: 'required' }] : fieldIssues(body.error));
      return;
    }
    const parsed = entry.inputSchema.safeParse(body.data.input);
    if (!parsed.success) {
      badRequest(res, `${entry.name} input is invalid`, fieldIssues(parsed.error, ['input']));
      return;
    }
    const issues = entry.check(parsed.data, deps.topology);
    if (issues.length > 0) {
      badRequest(res, `${entry.name} input does not match the topology`, issues);
      return;
    }
    const workflowId = entry.workflowId(parsed.data, new Date());
    const handle = await deps.client.workflow.start(entry.workflowType, {
      taskQueue: deps.taskQueue,
      workflowId,
      args: [parsed.data],
      typedSearchAttributes: entry.searchAttributes(parsed.data, deps.topology),
      staticSummary: `${entry.name} ${JSON.stringify(parsed.data)}`.slice(0, 200),
    });
    res.status(202).location(deps.links.api(workflowId)).json({
      runId: workflowId,
      runbook: entry.name,
      temporalRunId: handle.firstExecutionRunId,
      statusUrl: deps.links.api(workflowId),
      temporalUiUrl: deps.links.ui(workflowId, handle.firstExecutionRunId),
    });
  });

  return router;
}
