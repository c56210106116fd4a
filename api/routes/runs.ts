import { WorkflowFailedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { Router, type Request, type Response } from 'express';
import { fieldIssues } from '../../common/field-path';
import { runIdSchema } from '../run-id';
import { RUNBOOK_KEY } from '../../temporal/search-attributes';
import { progressQuery, type RunProgress } from '../../workflows/run-journal';
import { badRequest, notFound } from '../http-errors';
import type { RunLinks } from '../run-links';

export interface RunRoutesDeps {
  readonly client: Client;
  readonly links: RunLinks;
  /** How long to wait for a worker to answer the progress query. */
  readonly queryTimeoutMs?: number;
}

interface FailureView {
  readonly type: string | undefined;
  readonly message: string;
  readonly nonRetryable?: boolean;
}

/**
 * The innermost cause's type and message: "BmcAuthError: BMC of m-r1-01 … rejected the
 * credentials".
 */
function failureView(e: unknown): FailureView {
  let cause: unknown = e instanceof WorkflowFailedError ? e.cause : e;
  while (
    (cause as { cause?: unknown })?.cause !== undefined &&
    (cause as { type?: string }).type === undefined
  ) {
    cause = (cause as { cause?: unknown }).cause;
  }
  const c = cause as { type?: string; message?: string; nonRetryable?: boolean; name?: string };
  return {
    type: c?.type ?? c?.name,
    message: c?.message ?? String(cause),
    ...(c?.nonRetryable !== undefined && { nonRetryable: c.nonRetryable }),
  };
}

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([p.catch(() => undefined), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Run ids are workflow ids and contain slashes; accept them raw or URL-encoded. Express has decoded
 * each segment once already (a second decode turned `%25…` into a 500). The id is checked before
 * it reaches Temporal: undefined when it cannot be a run id, and a 400 has been sent.
 */
export function runIdOf(req: Request, res: Response, drop = 0): string | undefined {
  const raw = (req.params as Record<string, string | string[]>).runId;
  const parts = Array.isArray(raw) ? raw : [String(raw)];
  const parsed = runIdSchema.safeParse(parts.slice(0, parts.length - drop).join('/'));
  if (!parsed.success) badRequest(res, 'run id is not valid', fieldIssues(parsed.error, ['runId']));
  return parsed.success ? parsed.data : undefined;
}

/**
 * GET /api/v1/runs (recent runs) and GET /api/v1/runs/:runId (status, result or failure, progress).
 */
export function runRoutes(deps: RunRoutesDeps): Router {
  const router = Router();

  router.get('/api/v1/runs', async (req, res) => {
    const runbook =
      typeof req.query.runbook === 'string' && /^[a-z0-9-]{1,40}$/.test(req.query.runbook)
        ? req.query.runbook
        : undefined;
    const query =
      runbook === undefined ? 'RackshiftRunbook IS NOT NULL' : `RackshiftRunbook = '${runbook}'`;
    const runs = [];
    for await (const w of deps.client.workflow.list({ query })) {
      runs.push({
        runId: w.workflowId,
        runbook: w.typedSearchAttributes.get(RUNBOOK_KEY) ?? w.type,
        status: w.status.name,
        startedAt: w.startTime.toISOString(),
        closedAt: w.closeTime?.toISOString() ?? null,
        statusUrl: deps.links.api(w.workflowId),
      });
      if (runs.length >= 100) break;
    }
    res.json({ runs });
  });

  router.get('/api/v1/runs/*runId', async (req, res) => {
    const runId = runIdOf(req, res);
    if (runId === undefined) return;
    const handle = deps.client.workflow.getHandle(runId);
    let description;
    try {
      description = await handle.describe();
    } catch (e) {
      if (e instanceof WorkflowNotFoundError) {
        notFound(res, `no run "${runId}"`);
        return;
      }
      throw e;
    }
    const status = description.status.name;
    const body: Record<string, unknown> = {
      runId,
      runbook: description.typedSearchAttributes.get(RUNBOOK_KEY) ?? description.type,
      status,
      temporalRunId: description.runId,
      startedAt: description.startTime.toISOString(),
      closedAt: description.closeTime?.toISOString() ?? null,
      temporalUiUrl: deps.links.ui(runId, description.runId),
    };
    if (status === 'COMPLETED') {
      body.result = await handle.result();
    } else if (status !== 'RUNNING') {
      body.failure = await handle.result().then(
        () => null,
        (e: unknown) => failureView(e),
      );
    }
    const progress = await withTimeout(
      handle.query<RunProgress>(progressQuery),
      deps.queryTimeoutMs ?? 3000,
    );
    body.progress = progress ?? null;
    res.json(body);
  });

  return router;
}
