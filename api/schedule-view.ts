import type {
  ScheduleDescription,
  ScheduleSpec,
  ScheduleSpecDescription,
  ScheduleSummary,
} from '@temporalio/client';
import type { SearchAttributePair, TypedSearchAttributes } from '@temporalio/common';
import { z } from 'zod';
import type { DrillRunView } from './drill-runs';
import { RUNBOOKS } from './runbook-catalog';
import type { CreateScheduleBody, ScheduleSpecBody } from './schedule-body-schema';
import { durationSeconds, durationText } from './schedule-spec';

/**
 * What rackshift keeps in a schedule's memo: the spec as the operator wrote it (the server keeps
 * a cron only compiled into calendar ranges), the runbook's name, and the note saying what the
 * schedule is for.
 */
export interface ScheduleMemo {
  readonly runbook: string;
  readonly spec: ScheduleSpecBody;
  readonly note?: string;
}

const memoSchema = z.looseObject({
  runbook: z.string(),
  spec: z.looseObject({
    cron: z.string().optional(),
    interval: z.string().optional(),
    jitter: z.string().optional(),
    timezone: z.string().optional(),
  }),
  note: z.string().optional(),
});

export function scheduleMemo(body: CreateScheduleBody): ScheduleMemo {
  return {
    runbook: body.runbook,
    spec: body.spec,
    ...(body.note !== undefined && { note: body.note }),
  };
}

/** The request's spec as Temporal takes it. */
export function temporalSpec(spec: ScheduleSpecBody): ScheduleSpec {
  return {
    ...(spec.cron !== undefined && { cronExpressions: [spec.cron] }),
    ...(spec.interval !== undefined && {
      intervals: [{ every: durationSeconds(spec.interval) * 1000 }],
    }),
    ...(spec.jitter !== undefined && { jitter: durationSeconds(spec.jitter) * 1000 }),
    ...(spec.timezone !== undefined && { timezone: spec.timezone }),
  };
}

/**
 * `cron "0 3 * * SUN" Europe/Berlin, jitter up to 10m` or `every 6h`; from the server's spec for
 * schedules made elsewhere.
 */
function specText(
  memo: z.output<typeof memoSchema> | undefined,
  spec: ScheduleSpecDescription | undefined,
): string {
  const jitter = (s: string | undefined): string =>
    s === undefined || durationSeconds(s) === 0 ? '' : `, jitter up to ${s}`;
  if (memo?.spec.cron !== undefined)
    return `cron "${memo.spec.cron}" ${memo.spec.timezone ?? 'UTC'}${jitter(memo.spec.jitter)}`;
  if (memo?.spec.interval !== undefined)
    return `every ${memo.spec.interval}${jitter(memo.spec.jitter)}`;
  const parts = [
    ...(spec?.intervals ?? []).map((i) => `every ${durationText(Math.round(i.every / 1000))}`),
    ...((spec?.calendars?.length ?? 0) > 0 ? [`${spec!.calendars!.length} calendar rule(s)`] : []),
  ];
  return parts.length > 0 ? parts.join(' + ') : 'no spec';
}

function readMemo(
  memo: Record<string, unknown> | undefined,
): z.output<typeof memoSchema> | undefined {
  const parsed = memoSchema.safeParse(memo);
  return parsed.success ? parsed.data : undefined;
}

function runbookOf(
  memo: z.output<typeof memoSchema> | undefined,
  workflowType: string | undefined,
): string | null {
  return (
    memo?.runbook ??
    RUNBOOKS.find((r) => r.workflowType === workflowType)?.name ??
    workflowType ??
    null
  );
}

function attributes(
  sa: SearchAttributePair[] | TypedSearchAttributes | undefined,
): Record<string, unknown> {
  const pairs = sa === undefined ? [] : Array.isArray(sa) ? sa : sa.getAll();
  return Object.fromEntries(pairs.map((p) => [p.key.name, p.value]));
}

/** One row of GET /api/v1/schedules. */
export function scheduleListItem(s: ScheduleSummary) {
  const memo = readMemo(s.memo);
  return {
    id: s.scheduleId,
    runbook: runbookOf(memo, s.action?.workflowType),
    spec: memo?.spec ?? null,
    specText: specText(memo, s.spec),
    paused: s.state.paused,
    note: s.state.note ?? null,
    nextRuns: s.info.nextActionTimes.slice(0, 3).map((t) => t.toISOString()),
    recentActions: [...s.info.recentActions].reverse().map((a) => ({
      workflowId: a.action.workflow.workflowId,
      scheduledAt: a.scheduledAt.toISOString(),
      takenAt: a.takenAt.toISOString(),
    })),
  };
}

export type RecentRun = Pick<DrillRunView, 'workflowId' | 'status' | 'closedAt'> & {
  readonly scheduledAt: string;
  readonly takenAt: string;
  /** The drill's outcome and RTO when it completed with a readable report. */
  readonly outcome: string | null;
  readonly rtoSeconds: number | null;
};

/**
 * GET /api/v1/schedules/:id: the schedule as created, its state, and its recent runs newest first.
 */
export function scheduleDetails(d: ScheduleDescription, recentRuns: readonly RecentRun[]) {
  const memo = readMemo(d.memo);
  const prefix = d.action.workflowId;
  return {
    id: d.scheduleId,
    runbook: runbookOf(memo, d.action.workflowType),
    spec: memo?.spec ?? null,
    specText: specText(memo, d.spec),
    note: memo?.note ?? null,
    policies: {
      overlap: d.policies.overlap,
      catchupWindow: durationText(Math.round(d.policies.catchupWindow / 1000)),
      catchupWindowSeconds: Math.round(d.policies.catchupWindow / 1000),
      pauseOnFailure: d.policies.pauseOnFailure,
    },
    state: { paused: d.state.paused, note: d.state.note ?? null },
    action: {
      workflowType: d.action.workflowType,
      /** Temporal appends `-<fire time>` to this for each run. */
      workflowIdPrefix: prefix ?? null,
      taskQueue: d.action.taskQueue,
      input: d.action.args?.[0] ?? null,
      searchAttributes: attributes(d.action.typedSearchAttributes),
    },
    info: {
      createdAt: d.info.createdAt.toISOString(),
      actionsTaken: d.info.numActionsTaken,
      skippedOverlap: d.info.numActionsSkippedOverlap,
      missedCatchupWindow: d.info.numActionsMissedCatchupWindow,
      nextRuns: d.info.nextActionTimes.map((t) => t.toISOString()),
      running: d.info.runningActions.map((a) => a.workflow.workflowId),
    },
    recentRuns,
    lastRun: recentRuns[0] ?? null,
  };
}
