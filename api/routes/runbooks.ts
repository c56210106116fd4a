import { Router } from 'express';
import { z } from 'zod';
import { fieldIssues } from '../../common/field-path';
import type { TopologyIndex } from '../../inventory/topology-index';
import { auditRun } from '../audit-log';
import { permitted, principalOf } from '../auth';
import { badRequest, conflict, notFound } from '../http-errors';
import { findRunbook, inputJsonSchema, RUNBOOKS } from '../runbook-catalog';
import type { RunLinks } from '../run-links';
import { idempotencyKeySchema, type RunStarter } from '../run-starter';

const startBodySchema = z.strictObject({ input: z.record(z.string(), z.unknown()) });

export interface RunbookRoutesDeps {
  readonly starter: RunStarter;
  readonly topology: TopologyIndex;
  readonly links: RunLinks;
  /** Told of every run started (metrics). */
  readonly onStarted?: (runbook: string) => void;
}

/** GET /api/v1/runbooks and POST /api/v1/runbooks/:name/runs (with an optional Idempotency-Key). */
export function runbookRoutes(deps: RunbookRoutesDeps): Router {
  const router = Router();

  router.get('/api/v1/runbooks', (_req, res) => {
    res.json({
      runbooks: RUNBOOKS.map((r) => ({
        name: r.name,
        description: r.description,
        inputSchema: inputJsonSchema(r),
      })),
    });
  });

  router.post('/api/v1/runbooks/:name/runs', async (req, res) => {
    const entry = findRunbook(req.params.name);
    if (entry === undefined) {
      notFound(res, `unknown runbook "${req.params.name}"; GET /api/v1/runbooks lists them`, [
        { path: 'name', message: 'no such runbook' },
      ]);
      return;
    }
    if (!permitted(res, { kind: 'run', runbook: entry.name })) return;
    const rawKey = req.get('idempotency-key');
    const key = rawKey === undefined ? undefined : idempotencyKeySchema.safeParse(rawKey);
    if (key !== undefined && !key.success) {
      badRequest(
        res,
        'Idempotency-Key header is invalid',
        fieldIssues(key.error, ['headers', 'idempotency-key']),
      );
      return;
    }
    const body = startBodySchema.safeParse(req.body ?? {});
    if (!body.success) {
      badRequest(res, 'body must be { "input": { … } }', fieldIssues(body.error));
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
    if ((parsed.data as { force?: boolean }).force === true && !permitted(res, { kind: 'force' }))
      return;
    const outcome = await deps.starter.start(
      entry,
      parsed.data,
      deps.topology,
      principalOf(res),
      key?.data,
    );
    if (outcome.kind === 'conflict') {
      conflict(res, outcome.message, outcome.details);
      return;
    }
    const { workflowId, temporalRunId } = outcome;
    auditRun(res, workflowId);
    if (outcome.kind === 'started') deps.onStarted?.(entry.name);
    if (outcome.kind === 'replayed') res.set('Idempotent-Replayed', 'true');
    res
      .status(202)
      .location(deps.links.api(workflowId))
      .json({
        runId: workflowId,
        runbook: entry.name,
        temporalRunId,
        statusUrl: deps.links.api(workflowId),
        temporalUiUrl: deps.links.ui(workflowId, temporalRunId),
      });
  });

  return router;
}
