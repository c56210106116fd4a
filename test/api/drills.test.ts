import { newToken } from '../../api/auth';
import { rtoTrend } from '../../api/drill-summary';
import { mapLimit } from '../../common/map-limit';
import {
  DEV_RETENTION_DAYS,
  namespaceRetentionDays,
  setNamespaceRetention,
} from '../../temporal/namespace-retention';
import { NAMESPACE, TASK_QUEUE } from '../../worker/task-queue';
import type { DrillReport } from '../../workflows/dr-drill/drill-report';
import { runCli } from '../support/run-cli';
import { apiCaller, serveTestApi, type TestApi } from '../support/test-api';
import { pollUntil as until } from '../support/until';
import { startStandInWorker, type StandInWorker } from '../support/stand-in-worker';
import { startTestTemporal, type TestTemporal } from '../support/temporal-server';
import { drillReportFixture } from './fixtures/drill-report-fixture';
import { SCHEDULED_FAKE_RTO_SECONDS } from './fixtures/fake-drill-workflows';

/*
 * The worker here runs a STAND-IN `drDrill` workflow (fixtures/fake-drill-workflows.ts) that only
 * returns the report it is handed: these tests check how the API reads drill runs and reports
 * from real Temporal runs, not what a drill does.
 */
jest.setTimeout(120_000);

let temporal: TestTemporal;
let worker: StandInWorker;
let api: TestApi;
const token = newToken();

beforeAll(async () => {
  temporal = await startTestTemporal();
  worker = await startStandInWorker(
    temporal.address,
    require.resolve('./fixtures/fake-drill-workflows'),
  );
  api = await serveTestApi(temporal.client, { tokens: [token] });
});

afterAll(async () => {
  await api?.stop();
  await worker?.stop();
  await temporal?.stop();
});

const request = apiCaller(() => api, token);
const call = (path: string, method = 'GET', body?: unknown) => request(method, path, body);

/** `rackshift …` in-process against the test API; returns what it printed. */
const cli = (...args: string[]): Promise<string> =>
  runCli([...args, '--api', api.url, '--token', token]);

/** One stand-in drill run, to its end. */
function drill(
  workflowId: string,
  arg: { fakeReport?: DrillReport; fakeFailure?: string },
): Promise<unknown> {
  return temporal.client.workflow
    .execute('drDrill', { workflowId, taskQueue: TASK_QUEUE, args: [arg] })
    .catch(() => undefined);
}

const partial = drillReportFixture({
  startedAt: '2026-01-04T03:00:00.000Z',
  outcome: 'partial',
  rtoSeconds: 300,
  personas: [
    { persona: 'db-01', priority: 1, outcome: 'restored', rtoSeconds: 120, steps: [] },
    { persona: 'web-01', priority: 2, outcome: 'restored', rtoSeconds: 300, steps: [] },
    {
      persona: 'web-02',
      priority: 2,
      outcome: 'failed',
      steps: [],
      error: { type: 'BmcAuthError', message: 'rejected' },
    },
    { persona: 'batch-01', priority: 3, outcome: 'not-restored', steps: [], reason: 'no-capacity' },
  ],
  groups: [
    {
      priority: 1,
      personas: ['db-01'],
      startedAt: '2026-01-04T03:00:00.000Z',
      endedAt: '2026-01-04T03:02:00.000Z',
      rtoSeconds: 120,
      restored: 1,
      failed: 0,
    },
    {
      priority: 2,
      personas: ['web-01', 'web-02'],
      startedAt: '2026-01-04T03:02:00.000Z',
      endedAt: '2026-01-04T03:05:00.000Z',
      rtoSeconds: 300,
      restored: 1,
      failed: 1,
    },
    {
      priority: 3,
      personas: ['batch-01'],
      startedAt: '2026-01-04T03:05:00.000Z',
      endedAt: '2026-01-04T03:05:00.000Z',
      restored: 0,
      failed: 0,
    },
  ],
  notRestored: [{ persona: 'batch-01', reason: 'no-capacity', detail: 'no spare with 16 cores' }],
  leftToFix: ['bubble VLAN 3110 still on sw-r2 ge-0/0/4'],
});

describe('drill runs API', () => {
  it('lists drill runs newest first with their report summaries, and the RTO trend oldest first', async () => {
    // Started one after another, so their start times are in this order. The RTOs fall: improving.
    await drill('dr-drill/dc1/t1', { fakeReport: partial });
    for (const [i, rto] of [280, 290].entries())
      await drill(`dr-drill/dc1/t${i + 2}`, {
        fakeReport: drillReportFixture({ startedAt: new Date().toISOString(), rtoSeconds: rto }),
      });
    await drill('dr-drill/dc1/t4-failed', { fakeFailure: 'the stand-in was told to fail' });
    for (const [i, rto] of [200, 180, 150].entries())
      await drill(`dr-drill/dc1/t${i + 5}`, {
        fakeReport: drillReportFixture({ startedAt: new Date().toISOString(), rtoSeconds: rto }),
      });
    await temporal.client.workflow.execute('notADrill', {
      workflowId: 'power/m-r1-01/not-a-drill',
      taskQueue: TASK_QUEUE,
    });

    const { status, json } = await until(
      () => call('/api/v1/drills'),
      (r) => r.json.drills?.length === 7,
    );
    expect(status).toBe(200);
    expect(json.drills.map((d: { workflowId: string }) => d.workflowId)).toEqual(
      ['t7', 't6', 't5', 't4-failed', 't3', 't2', 't1'].map((t) => `dr-drill/dc1/${t}`),
    );
    expect(json.drills[6]).toEqual({
      workflowId: 'dr-drill/dc1/t1',
      runId: expect.any(String),
      status: 'COMPLETED',
      startedAt: expect.any(String),
      closedAt: expect.any(String),
      scheduleId: null,
      summary: {
        headline: `rehearsal partial: ${partial.failedMachines.length} machine(s) pretended lost; drill copies up for 2 of 4 persona(s); clean-up left-to-fix (1 left to fix)`,
        outcome: 'partial',
        rtoSeconds: 300,
        groups: [
          { priority: 1, personas: 1, rtoSeconds: 120, restored: 1, failed: 0 },
          { priority: 2, personas: 2, rtoSeconds: 300, restored: 1, failed: 1 },
          { priority: 3, personas: 1, rtoSeconds: null, restored: 0, failed: 0 },
        ],
        restored: 2,
        notRestored: 2,
        cleanup: { outcome: 'left-to-fix', leftToFix: 1 },
      },
    });
    expect(json.drills[3]).toMatchObject({
      workflowId: 'dr-drill/dc1/t4-failed',
      status: 'FAILED',
      summary: null,
    });
    expect(json.drills[0].summary).toMatchObject({
      outcome: 'completed',
      rtoSeconds: 150,
      restored: 1,
      notRestored: 0,
      cleanup: { outcome: 'clean', leftToFix: 0 },
    });
    const startedAt = json.drills.map((d: { startedAt: string }) => d.startedAt);
    expect([...startedAt].sort().reverse()).toEqual(startedAt);
    expect(json.rto.trend.map((p: { rtoSeconds: number }) => p.rtoSeconds)).toEqual([
      300, 280, 290, 200, 180, 150,
    ]);
    expect(json.rto).toEqual({
      trend: json.drills
        .filter((d: { summary: unknown }) => d.summary !== null)
        .reverse()
        .map((d: any) => ({ at: d.startedAt, rtoSeconds: d.summary.rtoSeconds })),
      direction: 'improving',
      recent: [200, 180, 150],
      earlier: [300, 280, 290],
    });
  });

  it('bounds the list by ?limit= (1–100) and computes the trend over what it lists', async () => {
    const { json } = await call('/api/v1/drills?limit=3');
    expect(json.drills.map((d: { workflowId: string }) => d.workflowId)).toEqual(
      ['t7', 't6', 't5'].map((t) => `dr-drill/dc1/${t}`),
    );
    expect(json.rto).toMatchObject({ direction: 'improving', recent: [150], earlier: [180] });
    for (const bad of ['0', '101', 'x', '2.5'])
      expect(await call(`/api/v1/drills?limit=${bad}`)).toMatchObject({
        status: 400,
        json: { error: { details: [{ path: 'limit' }] } },
      });
  });

  it('returns one run with its full report; 404 for an unknown run or a run that is not a drill', async () => {
    const one = await call(`/api/v1/drills/${encodeURIComponent('dr-drill/dc1/t1')}`);
    expect(one.status).toBe(200);
    expect(one.json.report).toEqual(partial);
    expect(one.json.summary.outcome).toBe('partial');
    expect((await call('/api/v1/drills/dr-drill/dc1/t1')).json.report).toEqual(partial);
    expect(await call('/api/v1/drills/dr-drill/dc1/t4-failed')).toMatchObject({
      status: 200,
      json: { status: 'FAILED', report: null },
    });
    expect(await call('/api/v1/drills/dr-drill/dc1/nope')).toMatchObject({
      status: 404,
      json: {
        error: { message: 'no drill run "dr-drill/dc1/nope" (GET /api/v1/drills lists them)' },
      },
    });
    expect(await call('/api/v1/drills/power/m-r1-01/not-a-drill')).toMatchObject({
      status: 404,
      json: { error: { message: '"power/m-r1-01/not-a-drill" is a notADrill run, not a drill' } },
    });
  });

  it('prints drills and the trend through the CLI', async () => {
    const out = await cli('drills', '--limit', '7');
    expect(out).toMatch(
      /^STARTED\s+WORKFLOW ID\s+TEMPORAL STATUS\s+REHEARSAL\s+RTO\s+COPIES UP\s+CLEAN-UP\s+SCHEDULE\n/,
    );
    expect(out).toMatch(/dr-drill\/dc1\/t1\s+COMPLETED\s+partial\s+300s\s+2\/4\s+left-to-fix\s+-/);
    expect(out).toMatch(/RTO trend, oldest first: 300 → 280 → 290 → 200 → 180 → 150 s; improving/);
    const show = await cli('drills', 'show', 'dr-drill/dc1/t1');
    expect(show).toMatch(/Temporal status COMPLETED/);
    expect(show).toMatch(
      /rehearsal partial: \d+ machine\(s\) pretended lost; drill copies up for 2 of 4 persona\(s\); clean-up left-to-fix \(1 left to fix\); RTO 300s/,
    );
    expect(show).not.toMatch(/restored|failed machine/);
    expect(show).toMatch(/no copy up: batch-01: no-capacity: no spare with 16 cores/);
    expect(show).toMatch(/left to fix: bubble VLAN 3110 still on sw-r2 ge-0\/0\/4/);
    expect(JSON.parse(await cli('drills', 'show', 'dr-drill/dc1/t1', '--json')).report).toEqual(
      partial,
    );
  });

  it('a schedule with a 10 s interval starts a drDrill run that completes and is listed with its schedule id', async () => {
    const t0 = Date.now();
    const created = await call('/api/v1/schedules', 'POST', {
      id: 'every-10s',
      runbook: 'dr-drill',
      input: { site: 'dc1', bubble: [{ network: 'prod-db', vlan: 3120 }] },
      spec: { interval: '10s' },
    });
    expect(created.status).toBe(201);
    const listed = await until(
      () => call('/api/v1/drills'),
      (r) =>
        r.json.drills.some(
          (d: { scheduleId: string | null; status: string }) =>
            d.scheduleId === 'every-10s' && d.status === 'COMPLETED',
        ),
      40_000,
    );
    const firstFireMs = Date.now() - t0;
    await call('/api/v1/schedules/every-10s/pause', 'POST', { note: 'test done' });
    const scheduled = listed.json.drills.find(
      (d: { scheduleId: string | null }) => d.scheduleId === 'every-10s',
    );
    expect(scheduled).toMatchObject({
      workflowId: expect.stringMatching(
        /^dr-drill\/dc1\/every-10s-\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
      ),
      status: 'COMPLETED',
      summary: { outcome: 'completed', rtoSeconds: SCHEDULED_FAKE_RTO_SECONDS },
    });
    // The scheduled run got the drill input the schedule holds (the stand-in echoes its bubble).
    expect(
      (await call(`/api/v1/drills/${encodeURIComponent(scheduled.workflowId)}`)).json.report.bubble,
    ).toEqual([{ network: 'prod-db', vlan: 3120 }]);
    const described = await until(
      () => call('/api/v1/schedules/every-10s'),
      (r) => r.json.lastRun?.status === 'COMPLETED',
    );
    expect(described.json.lastRun).toMatchObject({
      workflowId: expect.stringMatching(/^dr-drill\/dc1\/every-10s-/),
      status: 'COMPLETED',
      outcome: 'completed',
      rtoSeconds: SCHEDULED_FAKE_RTO_SECONDS,
    });
    expect(described.json.state).toEqual({ paused: true, note: 'test done' });
    console.info(
      `schedule every-10s: first drill completed and listed ${firstFireMs} ms after the schedule was created`,
    );
  });

  it('keeps closed runs, and so drill reports, 30 days once the dev stack set the retention', async () => {
    expect(await namespaceRetentionDays(temporal.client, NAMESPACE)).toBe(1);
    await setNamespaceRetention(temporal.client, NAMESPACE, DEV_RETENTION_DAYS);
    expect(await namespaceRetentionDays(temporal.client, NAMESPACE)).toBe(30);
  });
});

describe('rtoTrend', () => {
  const at = (i: number): string => new Date(Date.UTC(2026, 0, 1 + i)).toISOString();
  const points = (rtos: number[]) => rtos.map((rtoSeconds, i) => ({ at: at(i), rtoSeconds }));

  it('sorts oldest first and compares the last three with the three before', () => {
    expect(rtoTrend([...points([100, 100, 100, 130, 130, 130])].reverse())).toMatchObject({
      direction: 'worsening',
      recent: [130, 130, 130],
      earlier: [100, 100, 100],
    });
    expect(rtoTrend(points([999, 100, 100, 100, 104, 104, 104])).direction).toBe('flat');
  });

  it('compares fewer when there are fewer, and is flat with fewer than two', () => {
    expect(rtoTrend(points([100, 80]))).toMatchObject({
      direction: 'improving',
      recent: [80],
      earlier: [100],
    });
    expect(rtoTrend(points([100, 90, 80, 70, 60]))).toMatchObject({
      recent: [70, 60],
      earlier: [90, 80],
    });
    expect(rtoTrend(points([100]))).toEqual({
      trend: points([100]),
      direction: 'flat',
      recent: [],
      earlier: [],
    });
  });
});

describe('mapLimit', () => {
  it('keeps at most `limit` reads in flight and the results in order', async () => {
    let inFlight = 0;
    let most = 0;
    const out = await mapLimit([5, 1, 4, 2, 3, 0, 6], 3, async (ms) => {
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setTimeout(r, ms * 3));
      inFlight -= 1;
      return ms * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30, 0, 60]);
    expect(most).toBe(3);
  });
});
