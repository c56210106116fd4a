import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  WorkflowNotFoundError,
  type Client,
  type ScheduleExecutionResult,
} from '@temporalio/client';
import { Router, type ErrorRequestHandler, type Request, type Response } from 'express';
import { fieldIssues } from '../../common/field-path';
import { idSchema } from '../../inventory/patterns';
import type { TopologyIndex } from '../../inventory/topology-index';
import { readDrillRun, RESULT_READS_IN_FLIGHT } from '../drill-runs';
import { ACTOR_KEY } from '../../temporal/search-attributes';
import { permitted, principalOf, requireAction } from '../auth';
import { badRequest, conflict, notFound } from '../http-errors';
import type { RunMemo } from '../run-starter';
import { mapLimit } from '../../common/map-limit';
import { findRunbook, type RunbookEntry } from '../runbook-catalog';
import {
  createScheduleBodySchema,
  noteBodySchema,
  triggerBodySchema,
} from '../schedule-body-schema';
import { durationSeconds } from '../schedule-spec';
import {
  scheduleDetails,
  scheduleListItem,
  scheduleMemo,
  temporalSpec,
  type RecentRun,
} from '../schedule-view';

export interface ScheduleRoutesDeps {
  readonly client: Client;
  readonly topology: TopologyIndex;
  readonly taskQueue: string;
}

/** Schedules listed by GET /api/v1/schedules at most. */
const LIST_LIMIT = 1000;

/**
 * The catalog's workflow ids end in a per-run suffix (`dr-drill/dc1/20261125T084512Z-3fa9`). For a
 * scheduled run the schedule id takes its place, and Temporal appends the fire time:
 * `dr-drill/dc1/weekly-dc1-2026-11-29T03:00:00Z`.
 */
function workflowIdPrefix(entry: RunbookEntry, input: unknown, scheduleId: string): string {
  const sample = entry.workflowId(input, new Date());
  return `${sample.slice(0, sample.lastIndexOf('/'))}/${scheduleId}`;
}

/** The :id parameter when it can be a schedule id; otherwise a 400 has been sent. */
function scheduleIdOf(req: Request, res: Response): string | undefined {
  const parsed = idSchema.safeParse(req.params.id);
  if (!parsed.success)
    badRequest(res, 'schedule id is not valid', fieldIssues(parsed.error, ['id']));
  return parsed.success ? parsed.data : undefined;
}

/**
 * Temporal Schedules of runbooks that may run unattended (SCHEDULABLE_RUNBOOKS): create, list,
 * describe, pause, unpause, trigger and delete under /api/v1/schedules. A body is checked as a
 * run's
 * input is (schema, then topology) before anything is created.
 */
export function scheduleRoutes(deps: ScheduleRoutesDeps): Router {
  const router = Router();
  const schedules = deps.client.schedule;

  /** A recent action's run: its status, and for a completed drill its outcome and RTO. */
  async function recentRun(a: ScheduleExecutionResult): Promise<RecentRun> {
    const { workflowId, firstExecutionRunId } = a.action.workflow;
    const at = {
      workflowId,
      scheduledAt: a.scheduledAt.toISOString(),
      takenAt: a.takenAt.toISOString(),
    };
    try {
      const { view } = await readDrillRun(
        deps.client,
        await deps.client.workflow.getHandle(workflowId, firstExecutionRunId).describe(),
      );
      return {
        ...at,
        status: view.status,
        closedAt: view.closedAt,
        outcome: view.summary?.outcome ?? null,
        rtoSeconds: view.summary?.rtoSeconds ?? null,
      };
    } catch (e) {
      // Past the namespace's retention the run is gone; the schedule still remembers it started
      // one.
      if (!(e instanceof WorkflowNotFoundError)) throw e;
      return { ...at, status: 'NOT_FOUND', closedAt: null, outcome: null, rtoSeconds: null };
    }
  }

  async function details(id: string): Promise<ReturnType<typeof scheduleDetails>> {
    const description = await schedules.getHandle(id).describe();
    const newestFirst = [...description.info.recentActions].reverse();
    return scheduleDetails(
      description,
      await mapLimit(newestFirst, RESULT_READS_IN_FLIGHT, recentRun),
    );
  }

  router.post('/api/v1/schedules', async (req, res) => {
    const body = createScheduleBodySchema.safeParse(req.body ?? {});
    if (!body.success) {
      badRequest(res, 'schedule body is invalid', fieldIssues(body.error));
      return;
    }
    const entry = findRunbook(body.data.runbook)!;
    if (!permitted(res, { kind: 'run', runbook: entry.name })) return;
    const input = entry.inputSchema.safeParse(body.data.input);
    if (!input.success) {
      badRequest(res, `${entry.name} input is invalid`, fieldIssues(input.error, ['input']));
      return;
    }
    const issues = entry.check(input.data, deps.topology);
    if (issues.length > 0) {
      badRequest(res, `${entry.name} input does not match the topology`, issues);
      return;
    }
    const { id, spec, catchupWindow, paused, note } = body.data;
    const by = principalOf(res);
    const runMemo: RunMemo = { startedBy: { name: by.name, tokenId: by.tokenId, role: by.role } };
    await schedules.create({
      scheduleId: id,
      spec: temporalSpec(spec),
      action: {
        type: 'startWorkflow',
        workflowType: entry.workflowType,
        workflowId: workflowIdPrefix(entry, input.data, id),
        taskQueue: deps.taskQueue,
        args: [input.data],
        typedSearchAttributes: [
          ...entry.searchAttributes(input.data, deps.topology),
          { key: ACTOR_KEY, value: by.name },
        ],
        memo: runMemo,
        staticSummary: `${entry.name} on schedule ${id} by ${by.name}`,
      },
      policies: {
        overlap: ScheduleOverlapPolicy.SKIP,
        catchupWindow: durationSeconds(catchupWindow) * 1000,
      },
      memo: { ...scheduleMemo(body.data) },
      state: { paused, ...(note !== undefined && { note }) },
    });
    res
      .status(201)
      .location(`/api/v1/schedules/${id}`)
      .json(await details(id));
  });

  router.get('/api/v1/schedules', async (_req, res) => {
    const list = [];
    for await (const s of schedules.list()) {
      list.push(scheduleListItem(s));
      if (list.length >= LIST_LIMIT) break;
    }
    list.sort((a, b) => a.id.localeCompare(b.id));
    res.json({ schedules: list });
  });

  router.get('/api/v1/schedules/:id', async (req, res) => {
    const id = scheduleIdOf(req, res);
    if (id !== undefined) res.json(await details(id));
  });

  for (const verb of ['pause', 'unpause'] as const) {
    router.post(
      `/api/v1/schedules/:id/${verb}`,
      requireAction({ kind: 'administer' }),
      async (req, res) => {
        const id = scheduleIdOf(req, res);
        if (id === undefined) return;
        const body = noteBodySchema.safeParse(req.body ?? {});
        if (!body.success) {
          badRequest(res, `${verb} body is invalid`, fieldIssues(body.error));
          return;
        }
        const handle = schedules.getHandle(id);
        const note = body.data.note ?? `${verb}d through the rackshift API`;
        await (verb === 'pause' ? handle.pause(note) : handle.unpause(note));
        const { state } = await handle.describe();
        res.json({ id, paused: state.paused, note: state.note ?? null });
      },
    );
  }

  router.post('/api/v1/schedules/:id/trigger', async (req, res) => {
    const id = scheduleIdOf(req, res);
    if (id === undefined) return;
    const body = triggerBodySchema.safeParse(req.body ?? {});
    if (!body.success) {
      badRequest(res, 'trigger body is invalid', fieldIssues(body.error));
      return;
    }
    const handle = schedules.getHandle(id);
    const runbook = (await handle.describe()).memo?.runbook;
    if (
      !permitted(res, { kind: 'run', runbook: typeof runbook === 'string' ? runbook : '(unknown)' })
    )
      return;
    await handle.trigger(body.data.overlap);
    res.status(202).json({ id, triggered: true, overlap: body.data.overlap });
  });

  router.delete(
    '/api/v1/schedules/:id',
    requireAction({ kind: 'administer' }),
    async (req, res) => {
      const id = scheduleIdOf(req, res);
      if (id === undefined) return;
      await schedules.getHandle(id).delete();
      res.json({ id, deleted: true });
    },
  );

  const scheduleErrors: ErrorRequestHandler = (err: unknown, _req, res, next) => {
    if (err instanceof ScheduleNotFoundError) {
      notFound(res, `no schedule "${err.scheduleId}" (GET /api/v1/schedules lists them)`, [
        { path: 'id', message: 'no such schedule' },
      ]);
    } else if (err instanceof ScheduleAlreadyRunning) {
      conflict(
        res,
        `a schedule "${err.scheduleId}" exists already; delete it first or choose another id`,
        [{ path: 'id', message: 'already exists' }],
      );
    } else {
      next(err);
    }
  };
  router.use(scheduleErrors);

  return router;
}
