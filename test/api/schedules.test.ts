import { newToken } from '../../api/auth';
import { RUNBOOK_KEY } from '../../temporal/search-attributes';
import { SCHEDULED_BY_KEY } from '../../api/drill-runs';
import { TASK_QUEUE } from '../../worker/task-queue';
import { runCli } from '../support/run-cli';
import { apiCaller, serveTestApi, type TestApi } from '../support/test-api';
import { pollUntil as until } from '../support/until';
import { startTestTemporal, type TestTemporal } from '../support/temporal-server';

// No worker here: triggered drills stay RUNNING, which is what the overlap tests need.
jest.setTimeout(60_000);

let temporal: TestTemporal;
let api: TestApi;
const token = newToken();

const input = { site: 'dc1', bubble: [{ network: 'prod-web', vlan: 3110 }] };
const weekly = {
  id: 'weekly-dc1',
  runbook: 'dr-drill',
  input,
  spec: { cron: '0 3 * * SUN', timezone: 'Europe/Berlin', jitter: '10m' },
  note: 'weekly rehearsal of dc1',
};

beforeAll(async () => {
  temporal = await startTestTemporal();
  api = await serveTestApi(temporal.client, { tokens: [token] });
});

afterAll(async () => {
  await api?.stop();
  await temporal?.stop();
});

const call = apiCaller(() => api, token);

const paths = (json: { error: { details: Array<{ path: string }> } }): string[] =>
  json.error.details.map((i) => i.path);

/** `rackshift …` in-process against the test API; returns what it printed. */
const cli = (...args: string[]): Promise<string> =>
  runCli([...args, '--api', api.url, '--token', token]);

describe('schedules API', () => {
  it('needs the bearer token', async () => {
    expect((await call('GET', '/api/v1/schedules', undefined, null)).status).toBe(401);
    expect((await call('POST', '/api/v1/schedules', weekly, null)).status).toBe(401);
  });

  it('400s bad bodies naming the field and rule, and creates nothing', async () => {
    const cases: Array<[unknown, string, RegExp?]> = [
      [{}, 'id'],
      [{ ...weekly, id: 'Weekly DC1' }, 'id'],
      [
        { ...weekly, runbook: 'power' },
        'runbook',
        /only dr-drill may be scheduled \(got "power"\)/,
      ],
      [{ ...weekly, input: undefined }, 'input'],
      [{ ...weekly, spec: {} }, 'spec.cron', /exactly one of cron or interval/],
      [
        { ...weekly, spec: { cron: '0 3 * * SUN', interval: '1h' } },
        'spec.cron',
        /exactly one of cron or interval/,
      ],
      [{ ...weekly, spec: { interval: '5s' } }, 'spec.interval', /from 10s to 365d/],
      [{ ...weekly, spec: { interval: '10 s' } }, 'spec.interval', /whole number and a unit/],
      [{ ...weekly, spec: { cron: '0 3 * *' } }, 'spec.cron', /five fields/],
      [
        { ...weekly, spec: { cron: '61 3 * * *' } },
        'spec.cron',
        /minute "61" must stay within 0–59/,
      ],
      [{ ...weekly, spec: { cron: '0 3 * * SUN;reboot' } }, 'spec.cron', /day of week/],
      [{ ...weekly, spec: { cron: '@every 10s' } }, 'spec.cron', /five fields/],
      [
        { ...weekly, spec: { interval: '1h', timezone: 'Europe/Berlin' } },
        'spec.timezone',
        /cron only/,
      ],
      [
        { ...weekly, spec: { cron: '0 3 * * SUN', timezone: 'Mars/Olympus' } },
        'spec.timezone',
        /not a known IANA time zone/,
      ],
      [
        { ...weekly, spec: { interval: '10m', jitter: '10m' } },
        'spec.jitter',
        /shorter than the interval/,
      ],
      [{ ...weekly, catchupWindow: '5s' }, 'catchupWindow', /from 10s to 168h/],
      [{ ...weekly, catchupWindow: '2d' }, 'catchupWindow', /unit \(s, m, h\)/],
      [{ ...weekly, paused: 'yes' }, 'paused'],
      [{ ...weekly, note: 'line\nbreak' }, 'note', /one line/],
      [{ ...weekly, extra: 1 }, '', /extra/],
      // The runbook's own input schema, under `input.`
      [
        { ...weekly, input: { site: 'dc1', machines: ['m-r1-01'] } },
        'input.site',
        /exactly one of site, racks or machines/,
      ],
      [{ ...weekly, input: { ...input, holdSeconds: -1 } }, 'input.holdSeconds'],
      // …and its topology check, exactly as for runs.
      [{ ...weekly, input: { ...input, site: 'dc9' } }, 'input.site', /unknown site "dc9"/],
      [
        { ...weekly, input: { ...input, bubble: [{ network: 'prod-web', vlan: 110 }] } },
        'input.bubble[0].vlan',
        /production network prod-web/,
      ],
      ['{"id":', 'body', /JSON object/],
    ];
    for (const [body, path, message] of cases) {
      const { status, json } = await call('POST', '/api/v1/schedules', body);
      expect({ body, status }).toEqual({ body, status: 400 });
      expect({ body, paths: paths(json) }).toEqual({ body, paths: expect.arrayContaining([path]) });
      if (message)
        expect(json.error.details.find((i: { path: string }) => i.path === path).message).toMatch(
          message,
        );
    }
    expect((await call('GET', '/api/v1/schedules/weekly-dc1')).status).toBe(404);
    expect((await call('GET', '/api/v1/schedules')).json).toEqual({ schedules: [] });
  });

  it('creates a drill schedule with overlap SKIP, a 1h catch-up window, the catalog id prefix, task queue and search attributes', async () => {
    const created = await call('POST', '/api/v1/schedules', weekly);
    expect(created.status).toBe(201);
    expect(created.location).toBe('/api/v1/schedules/weekly-dc1');
    expect(created.json).toMatchObject({
      id: 'weekly-dc1',
      runbook: 'dr-drill',
      spec: weekly.spec,
      specText: 'cron "0 3 * * SUN" Europe/Berlin, jitter up to 10m',
      note: 'weekly rehearsal of dc1',
      policies: { overlap: 'SKIP', catchupWindow: '1h', catchupWindowSeconds: 3600 },
      state: { paused: false, note: 'weekly rehearsal of dc1' },
      action: {
        workflowType: 'drDrill',
        workflowIdPrefix: 'dr-drill/dc1/weekly-dc1',
        taskQueue: TASK_QUEUE,
        // Parsed by the runbook's schema: its defaults are filled in.
        input: { ...input, allowRepurpose: false, holdSeconds: 0, healthTimeoutSeconds: 600 },
        searchAttributes: { RackshiftRunbook: 'dr-drill', RackshiftSite: 'dc1' },
      },
      recentRuns: [],
      lastRun: null,
    });
    // The cron is read in Berlin time: the next fire is a Sunday 03:00–03:10 there (jitter up to
    // 10m).
    const next = new Date(created.json.info.nextRuns[0]);
    const berlin = Object.fromEntries(
      new Intl.DateTimeFormat('en-GB', {
        timeZone: 'Europe/Berlin',
        weekday: 'short',
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      })
        .formatToParts(next)
        .map((p) => [p.type, p.value]),
    );
    expect(berlin.weekday).toBe('Sun');
    expect(berlin.hour).toBe('03');
    expect(Number(berlin.minute)).toBeLessThan(10);

    const custom = await call('POST', '/api/v1/schedules', {
      id: 'six-hourly',
      runbook: 'dr-drill',
      input: { racks: ['r1'] },
      spec: { interval: '6h' },
      catchupWindow: '15m',
      paused: true,
    });
    expect(custom.status).toBe(201);
    expect(custom.json).toMatchObject({
      specText: 'every 6h',
      policies: { overlap: 'SKIP', catchupWindow: '15m', catchupWindowSeconds: 900 },
      state: { paused: true },
      action: { workflowIdPrefix: 'dr-drill/r1/six-hourly' },
    });
  });

  it('409s an id that exists, leaving the schedule as it was', async () => {
    const dup = await call('POST', '/api/v1/schedules', {
      ...weekly,
      spec: { interval: '1h' },
      note: 'other',
    });
    expect(dup.status).toBe(409);
    expect(dup.json).toMatchObject({
      error: { code: 'Conflict', details: [{ path: 'id', message: 'already exists' }] },
    });
    expect((await call('GET', '/api/v1/schedules/weekly-dc1')).json).toMatchObject({
      note: 'weekly rehearsal of dc1',
      specText: expect.stringContaining('cron'),
    });
  });

  it('lists schedules with their spec, state and next runs', async () => {
    const { json } = await until(
      () => call('GET', '/api/v1/schedules'),
      (r) => r.json.schedules.length === 2,
    );
    expect(json.schedules).toEqual([
      expect.objectContaining({
        id: 'six-hourly',
        runbook: 'dr-drill',
        specText: 'every 6h',
        paused: true,
        recentActions: [],
      }),
      expect.objectContaining({
        id: 'weekly-dc1',
        runbook: 'dr-drill',
        specText: 'cron "0 3 * * SUN" Europe/Berlin, jitter up to 10m',
        paused: false,
        nextRuns: expect.arrayContaining([expect.any(String)]),
      }),
    ]);
  });

  it('pauses and unpauses with a note', async () => {
    expect(
      await call('POST', '/api/v1/schedules/weekly-dc1/pause', { note: 'change freeze' }),
    ).toMatchObject({
      status: 200,
      json: { id: 'weekly-dc1', paused: true, note: 'change freeze' },
    });
    expect((await call('GET', '/api/v1/schedules/weekly-dc1')).json.state).toEqual({
      paused: true,
      note: 'change freeze',
    });
    expect(await call('POST', '/api/v1/schedules/weekly-dc1/unpause')).toMatchObject({
      status: 200,
      json: { paused: false, note: 'unpaused through the rackshift API' },
    });
    expect(
      (await call('POST', '/api/v1/schedules/weekly-dc1/pause', { note: 42 })).json.error.details[0]
        .path,
    ).toBe('note');
    expect((await call('GET', '/api/v1/schedules/weekly-dc1')).json.state.paused).toBe(false);
  });

  it('triggers a drill now; a second trigger is skipped while it runs (SKIP) unless the body allows overlap', async () => {
    expect(await call('POST', '/api/v1/schedules/weekly-dc1/trigger')).toMatchObject({
      status: 202,
      json: { triggered: true, overlap: 'SKIP' },
    });
    const one = (
      await until(
        () => call('GET', '/api/v1/schedules/weekly-dc1'),
        (r) => r.json.recentRuns.length === 1,
      )
    ).json;
    expect(one.recentRuns).toEqual([
      expect.objectContaining({
        workflowId: expect.stringMatching(
          /^dr-drill\/dc1\/weekly-dc1-\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
        ),
        status: 'RUNNING',
        outcome: null,
      }),
    ]);
    expect(one.info.running).toEqual([one.recentRuns[0].workflowId]);
    expect(one.lastRun).toEqual(one.recentRuns[0]);

    // The started run carries the runbook's search attributes, the schedule id and the parsed
    // input.
    const run = await temporal.client.workflow.getHandle(one.recentRuns[0].workflowId).describe();
    expect(run.type).toBe('drDrill');
    expect(run.taskQueue).toBe(TASK_QUEUE);
    expect(run.typedSearchAttributes.get(RUNBOOK_KEY)).toBe('dr-drill');
    expect(run.typedSearchAttributes.get(SCHEDULED_BY_KEY)).toBe('weekly-dc1');

    expect(await call('POST', '/api/v1/schedules/weekly-dc1/trigger', {})).toMatchObject({
      status: 202,
      json: { overlap: 'SKIP' },
    });
    const skipped = (
      await until(
        () => call('GET', '/api/v1/schedules/weekly-dc1'),
        (r) => r.json.info.skippedOverlap === 1,
      )
    ).json;
    expect(skipped.info.skippedOverlap).toBe(1);
    expect(skipped.recentRuns).toHaveLength(1);

    expect(
      (await call('POST', '/api/v1/schedules/weekly-dc1/trigger', { overlap: 'NEVER' })).json.error
        .details[0].path,
    ).toBe('overlap');
    // Temporal names a scheduled run by its fire time to the second: a second run needs a later
    // second.
    await new Promise((r) => setTimeout(r, 1100));
    expect(
      (await call('POST', '/api/v1/schedules/weekly-dc1/trigger', { overlap: 'ALLOW_ALL' })).status,
    ).toBe(202);
    const two = (
      await until(
        () => call('GET', '/api/v1/schedules/weekly-dc1'),
        (r) => r.json.recentRuns.length === 2,
      )
    ).json;
    // Both run at once (Temporal lists only runs it tracks for overlap in info.running; an
    // ALLOW_ALL one it does not).
    expect(two.recentRuns.map((r: { status: string }) => r.status)).toEqual(['RUNNING', 'RUNNING']);
    expect(two.info.skippedOverlap).toBe(1);
    expect(two.policies.overlap).toBe('SKIP');
  });

  it('404s an unknown id on every verb and 400s an id that cannot be one', async () => {
    for (const [method, path] of [
      ['GET', '/api/v1/schedules/no-such'],
      ['POST', '/api/v1/schedules/no-such/pause'],
      ['POST', '/api/v1/schedules/no-such/unpause'],
      ['POST', '/api/v1/schedules/no-such/trigger'],
      ['DELETE', '/api/v1/schedules/no-such'],
    ] as const) {
      expect({
        path,
        ...(await call(method, path, method === 'POST' ? {} : undefined)),
      }).toMatchObject({
        path,
        status: 404,
        json: {
          error: {
            code: 'NotFound',
            message: 'no schedule "no-such" (GET /api/v1/schedules lists them)',
          },
        },
      });
    }
    expect(await call('GET', '/api/v1/schedules/Bad%20Id')).toMatchObject({
      status: 400,
      json: { error: { details: [{ path: 'id' }] } },
    });
  });

  it('deletes a schedule', async () => {
    expect(await call('DELETE', '/api/v1/schedules/six-hourly')).toMatchObject({
      status: 200,
      json: { id: 'six-hourly', deleted: true },
    });
    expect((await call('GET', '/api/v1/schedules/six-hourly')).status).toBe(404);
    expect((await call('DELETE', '/api/v1/schedules/six-hourly')).status).toBe(404);
    const { json } = await until(
      () => call('GET', '/api/v1/schedules'),
      (r) => r.json.schedules.length === 1,
    );
    expect(json.schedules.map((s: { id: string }) => s.id)).toEqual(['weekly-dc1']);
  });

  it('does the same through the CLI', async () => {
    const created = await cli(
      'schedule',
      'create',
      'cli-drill',
      '--every',
      '1d',
      '--catchup-window',
      '30m',
      '--input',
      JSON.stringify({ machines: ['m-r1-01'] }),
      '--note',
      'from the CLI',
    );
    expect(created).toMatch(/^created\nschedule cli-drill\n/);
    expect(created).toMatch(/when\s+every 1d/);
    expect(created).toMatch(/overlap\s+SKIP/);
    expect(created).toMatch(/catch-up window\s+30m/);
    expect(created).toMatch(/workflow ids\s+dr-drill\/m-r1-01\/cli-drill-<fire time>/);
    await until(
      () => cli('schedule', 'list'),
      (out) => out.includes('cli-drill'),
    );
    expect(await cli('schedule', 'list')).toMatch(
      /^ID\s+RUNBOOK\s+WHEN\s+STATE\s+NEXT RUN\s+LAST RUN\ncli-drill\s+dr-drill\s+every 1d\s+active/,
    );
    expect(JSON.parse(await cli('schedule', 'describe', 'cli-drill', '--json'))).toMatchObject({
      id: 'cli-drill',
      policies: { catchupWindowSeconds: 1800 },
    });
    expect(await cli('schedule', 'pause', 'cli-drill', '--note', 'holiday')).toBe(
      'cli-drill: paused (holiday)',
    );
    expect(await cli('schedule', 'unpause', 'cli-drill')).toBe(
      'cli-drill: active (unpaused through the rackshift API)',
    );
    expect(await cli('schedule', 'trigger', 'cli-drill')).toMatch(
      /^cli-drill: triggered \(overlap SKIP\)/,
    );
    expect(await cli('schedule', 'delete', 'cli-drill')).toBe('cli-drill: deleted');
    await expect(cli('schedule', 'describe', 'cli-drill')).rejects.toThrow(
      /API 404: no schedule "cli-drill"/,
    );
  });
});
