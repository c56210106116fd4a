import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { drillSummary, type DrillSummary } from './drill-summary';
import { mapLimit } from '../common/map-limit';
import { findRunbook } from './runbook-catalog';

export const DRILL_WORKFLOW_TYPE = findRunbook('dr-drill')!.workflowType;

/** Set by the server on every run a schedule starts: the schedule's id. */
export const SCHEDULED_BY_KEY = defineSearchAttributeKey(
  'TemporalScheduledById',
  SearchAttributeType.KEYWORD,
);

/** How many results are fetched from history at once. */
export const RESULT_READS_IN_FLIGHT = 4;
/**
 * Visibility rows looked at to find the newest drills: the server orders open runs first, then by
 * close time, so a list is sorted by start time here, over at most this many.
 */
const DRILL_SCAN_LIMIT = 500;

export interface DrillRunView {
  readonly workflowId: string;
  readonly runId: string;
  readonly status: string;
  readonly startedAt: string;
  readonly closedAt: string | null;
  /** The schedule that started it; null when started by hand. */
  readonly scheduleId: string | null;
  /** Completed runs only. */
  readonly summary: DrillSummary | null;
  /** Set when a completed run's result is not a drill report (an older or foreign workflow). */
  readonly unreadable?: string;
}

/** What visibility (a list) and describe both tell about a run. */
export type RunInfo = Pick<
  WorkflowExecutionInfo,
  'workflowId' | 'runId' | 'status' | 'startTime' | 'closeTime' | 'typedSearchAttributes'
>;

/** The run's view, and for a completed run its full result (the report). */
export async function readDrillRun(
  client: Client,
  info: RunInfo,
): Promise<{ view: DrillRunView; report: unknown }> {
  const base = {
    workflowId: info.workflowId,
    runId: info.runId,
    status: info.status.name,
    startedAt: info.startTime.toISOString(),
    closedAt: info.closeTime?.toISOString() ?? null,
    scheduleId: info.typedSearchAttributes.get(SCHEDULED_BY_KEY) ?? null,
  };
  if (info.status.name !== 'COMPLETED') return { view: { ...base, summary: null }, report: null };
  const report: unknown = await client.workflow
    .getHandle(info.workflowId, info.runId, { followRuns: false })
    .result();
  const read = drillSummary(report);
  return {
    view:
      'summary' in read
        ? { ...base, summary: read.summary }
        : { ...base, summary: null, unreadable: read.unreadable },
    report,
  };
}

/** The newest `limit` drill runs, newest first, completed ones with their report summary. */
export async function listDrillRuns(client: Client, limit: number): Promise<DrillRunView[]> {
  const rows: WorkflowExecutionInfo[] = [];
  for await (const w of client.workflow.list({
    query: `WorkflowType = '${DRILL_WORKFLOW_TYPE}'`,
    pageSize: 100,
  })) {
    rows.push(w);
    if (rows.length >= DRILL_SCAN_LIMIT) break;
  }
  const newest = rows.sort((a, b) => b.startTime.getTime() - a.startTime.getTime()).slice(0, limit);
  return mapLimit(
    newest,
    RESULT_READS_IN_FLIGHT,
    async (w) => (await readDrillRun(client, w)).view,
  );
}
