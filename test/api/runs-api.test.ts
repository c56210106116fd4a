import { newToken } from '../../api/auth';
import { StaticSecretStore } from '../../common/secrets';
import { LedgerClient } from '../../temporal/ledger-client';
import { TopologyIndex } from '../../inventory/topology-index';
import type { LabMachine } from '../../lab/lab-machine';
import { startWorker, type RunningWorker } from '../../worker/create-worker';
import { runCli } from '../support/run-cli';
import { InProcessPowerDriver } from '../support/in-process-power-driver';
import { bareLabMachines, labSmall } from '../support/lab-fixtures';
import { serveTestApi, type TestApi } from '../support/test-api';
import { startTestTemporal, type TestTemporal } from '../support/temporal-server';
import { testWorkflowBundle } from '../support/workflow-bundle';

jest.setTimeout(60_000);

let temporal: TestTemporal;
let worker: RunningWorker;
let machines: Map<string, LabMachine>;
let api: TestApi;
const token = newToken();

beforeAll(async () => {
  const topology = await labSmall();
  machines = bareLabMachines(topology);
  temporal = await startTestTemporal();
  const index = new TopologyIndex(topology);
  worker = await startWorker({
    address: temporal.address,
    workflowBundle: await testWorkflowBundle(),
    deps: {
      topology: index,
      secrets: new StaticSecretStore({}),
      ledger: new LedgerClient(temporal.client),
      powerDriver: (m) => new InProcessPowerDriver(machines.get(m.id)!),
    },
  });
  api = await serveTestApi(temporal.client, {
    topology: index,
    tokens: [token],
    uiBaseUrl: 'http://127.0.0.1:8233',
  });
});

afterAll(async () => {
  await api?.stop();
  await worker?.shutdown();
  await temporal?.stop();
  for (const m of machines?.values() ?? []) m.stop();
});

async function call(
  method: string,
  path: string,
  body?: unknown,
  auth: string | null = token,
): Promise<{ status: number; json: any }> {
  const res = await fetch(`${api.url}${path}`, {
    method,
    headers: {
      ...(auth !== null && { authorization: `Bearer ${auth}` }),
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return { status: res.status, json: await res.json() };
}

describe('API', () => {
  it('serves /healthz without a token', async () => {
    expect(await call('GET', '/healthz', undefined, null)).toEqual({
      status: 200,
      json: { status: 'ok' },
    });
  });

  it('refuses requests without a valid bearer token', async () => {
    expect((await call('GET', '/api/v1/runbooks', undefined, null)).status).toBe(401);
    expect((await call('GET', '/api/v1/runbooks', undefined, newToken())).status).toBe(401);
    expect(
      (
        await call(
          'POST',
          '/api/v1/runbooks/power/runs',
          { input: { machine: 'm-r1-03', action: 'on' } },
          'short',
        )
      ).status,
    ).toBe(401);
    expect(machines.get('m-r1-03')!.count('on')).toBe(0);
  });

  it('lists runbooks with their input JSON Schemas', async () => {
    const { status, json } = await call('GET', '/api/v1/runbooks');
    expect(status).toBe(200);
    const power = json.runbooks.find((r: { name: string }) => r.name === 'power');
    expect(power.inputSchema.properties.action.enum).toEqual(['on', 'off', 'soft-off', 'cycle']);
    expect(power.inputSchema.required).toEqual(expect.arrayContaining(['machine', 'action']));
  });

  it('404s an unknown runbook and an unknown run', async () => {
    expect((await call('POST', '/api/v1/runbooks/explode/runs', { input: {} })).status).toBe(404);
    expect(
      (await call('GET', `/api/v1/runs/${encodeURIComponent('power/m-r1-01/nope')}`)).status,
    ).toBe(404);
  });

  it('400s a path that is not valid percent-encoding, and a run id that cannot be one, naming the field', async () => {
    expect(await call('GET', '/api/v1/runs/%E0%A4%A')).toEqual({
      status: 400,
      json: {
        error: {
          code: 'ValidationError',
          message: 'the request path cannot be decoded',
          details: [{ path: 'path', message: 'is not valid percent-encoding (RFC 3986)' }],
        },
      },
    });
    // Decoded once by express, these are ids with a "%" (a second decode threw: 500).
    for (const [method, path] of [
      ['GET', '/api/v1/runs/%25E0%25A4%25A'],
      ['GET', `/api/v1/runs/power%2Fm-r1-01%2F%2525zz`],
      ['GET', '/api/v1/drills/%25zz'],
      ['POST', '/api/v1/runs/%25zz/approval'],
      ['POST', '/api/v1/runs/%25zz/cancel'],
    ] as const) {
      const res = await call(method, path, method === 'POST' ? { decision: 'approve' } : undefined);
      expect({ path, ...res }).toMatchObject({
        path,
        status: 400,
        json: {
          error: {
            code: 'ValidationError',
            details: [
              { path: 'runId', message: expect.stringMatching(/^must be letters, digits/) },
            ],
          },
        },
      });
    }
  });

  it('accepts the bearer scheme in any case', async () => {
    for (const scheme of ['bearer', 'BEARER', 'bEaReR']) {
      const res = await fetch(`${api.url}/api/v1/runbooks`, {
        headers: { authorization: `${scheme} ${token}` },
      });
      expect({ scheme, status: res.status }).toEqual({ scheme, status: 200 });
    }
  });

  it('400s bad bodies with field paths, and starts nothing', async () => {
    const bad = await call('POST', '/api/v1/runbooks/power/runs', {
      input: { machine: 'm-r1-03; reboot', action: 'explode', extra: 1 },
    });
    expect(bad.status).toBe(400);
    const paths = bad.json.error.details.map((i: { path: string }) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['input.machine', 'input.action', 'input']));
    const unknown = await call('POST', '/api/v1/runbooks/power/runs', {
      input: { machine: 'm-nowhere', action: 'on' },
    });
    expect(unknown).toMatchObject({
      status: 400,
      json: {
        error: { details: [{ path: 'input.machine', message: 'unknown machine "m-nowhere"' }] },
      },
    });
    expect(
      (await call('POST', '/api/v1/runbooks/power/runs', '{"input":')).json.error.details,
    ).toEqual([{ path: 'body', message: 'must be a JSON object' }]);
    expect((await call('POST', '/api/v1/runbooks/power/runs', { machine: 'm-r1-03' })).status).toBe(
      400,
    );
    expect(machines.get('m-r1-03')!.actions).toHaveLength(0);
  });

  it('starts a run (202), then reports progress and the result', async () => {
    const started = await call('POST', '/api/v1/runbooks/power/runs', {
      input: { machine: 'm-r1-03', action: 'on' },
    });
    expect(started.status).toBe(202);
    expect(started.json.runId).toMatch(/^power\/m-r1-03\/\d{8}T\d{6}Z-[0-9a-f]{4}$/);
    expect(started.json.temporalUiUrl).toBe(
      `http://127.0.0.1:8233/namespaces/rackshift/workflows/${encodeURIComponent(started.json.runId)}/${started.json.temporalRunId}/history`,
    );
    let run;
    for (let i = 0; i < 100; i += 1) {
      run = await call('GET', started.json.statusUrl);
      if (run.json.status !== 'RUNNING') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(run!.json).toMatchObject({
      runbook: 'power',
      status: 'COMPLETED',
      result: { stateAfter: 'on' },
      progress: { state: 'completed', step: 'record-power' },
    });
    // The raw (unencoded) id works too.
    expect((await call('GET', `/api/v1/runs/${started.json.runId}`)).json.status).toBe('COMPLETED');
  });

  it('reports a failed run with the failure type', async () => {
    machines.get('m-r1-04')!.rejectAuth = true;
    const started = await call('POST', '/api/v1/runbooks/power/runs', {
      input: { machine: 'm-r1-04', action: 'on' },
    });
    let run;
    for (let i = 0; i < 100; i += 1) {
      run = await call('GET', started.json.statusUrl);
      if (run.json.status !== 'RUNNING') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(run!.json).toMatchObject({
      status: 'FAILED',
      failure: { type: 'BmcAuthError', nonRetryable: true },
    });
    machines.get('m-r1-04')!.rejectAuth = false;
  });

  it('lists runs filtered by the RackshiftRunbook search attribute', async () => {
    let runs: Array<{ runId: string; runbook: string }> = [];
    for (let i = 0; i < 50 && runs.length < 2; i += 1) {
      runs = (await call('GET', '/api/v1/runs?runbook=power')).json.runs;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(runs.length).toBeGreaterThanOrEqual(2);
    expect(runs.every((r) => r.runbook === 'power')).toBe(true);
  });

  it('is ready while a worker polls, and /metrics counts the requests and runs it served, and how runs ended', async () => {
    const ready = await call('GET', '/readyz', undefined, null);
    expect(ready).toMatchObject({
      status: 200,
      json: { status: 'ready', checks: { temporal: { ok: true }, worker: { ok: true } } },
    });
    expect(ready.json.checks.worker.pollers).toBeGreaterThan(0);

    const scrape = async (): Promise<string> => {
      const res = await fetch(`${api.url}/metrics`);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      return res.text();
    };
    const text = await scrape();
    expect(text).toContain('rackshift_runs_started_total{runbook="power"} 2\n');
    expect(text).toContain('rackshift_runs_started_total{runbook="dr-drill"} 0\n');
    expect(text).toContain(
      'rackshift_http_requests_total{method="POST",route="/api/v1/runbooks/:name/runs",status="202"} 2\n',
    );
    expect(text).toMatch(
      /rackshift_http_requests_total\{method="POST",route="\/api\/v1\/runbooks\/:name\/runs",status="400"\} [1-9]/,
    );
    expect(text).toMatch(
      /rackshift_http_requests_total\{method="GET",route="\/api\/v1\/runs\/\*runId",status="200"\} [1-9]/,
    );
    // The two power runs ended one completed, one failed (BmcAuthError), as visibility counts them.
    expect(text).toContain('rackshift_runs{runbook="power",status="Completed"} 1\n');
    expect(text).toContain('rackshift_runs{runbook="power",status="Failed"} 1\n');
  });

  it('the CLI takes the token from the environment, prints --json, and its exit code says how a run ended', async () => {
    const env = {
      RACKSHIFT_TOKEN: process.env.RACKSHIFT_TOKEN,
      RACKSHIFT_CONFIG: process.env.RACKSHIFT_CONFIG,
    };
    process.env.RACKSHIFT_TOKEN = token;
    process.env.RACKSHIFT_CONFIG = '/nonexistent/rackshift-config.yaml';
    try {
      const input = JSON.stringify({ machine: 'm-r2-01', action: 'on' });
      const started = JSON.parse(
        await runCli([
          'run',
          'power',
          '--input',
          input,
          '--idempotency-key',
          'cli-k1',
          '--json',
          '--api',
          api.url,
        ]),
      );
      expect(started).toMatchObject({
        runbook: 'power',
        runId: expect.stringMatching(/^keyed\/admin\//),
      });
      const again = JSON.parse(
        await runCli([
          'run',
          'power',
          '--input',
          input,
          '--idempotency-key',
          'cli-k1',
          '--follow',
          '--json',
          '--api',
          api.url,
        ]),
      );
      expect(again).toMatchObject({ runId: started.runId, status: 'COMPLETED' });
      expect(process.exitCode ?? 0).toBe(0);

      machines.get('m-r2-02')!.rejectAuth = true;
      const failed = JSON.parse(
        await runCli([
          'run',
          'power',
          '--input',
          JSON.stringify({ machine: 'm-r2-02', action: 'on' }),
          '--follow',
          '--json',
          '--api',
          api.url,
        ]),
      );
      machines.get('m-r2-02')!.rejectAuth = false;
      expect(failed).toMatchObject({ status: 'FAILED', failure: { type: 'BmcAuthError' } });
      expect(process.exitCode).toBe(1);
      process.exitCode = 0;
      await runCli(['runs', 'show', failed.runId, '--api', api.url]);
      expect(process.exitCode).toBe(1);
      process.exitCode = 0;
      expect(
        JSON.parse(
          await runCli(['runs', 'list', '--runbook', 'power', '--json', '--api', api.url]),
        ).runs.map((r: { runId: string }) => r.runId),
      ).toContain(failed.runId);
    } finally {
      process.exitCode = 0;
      for (const [k, v] of Object.entries(env))
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
    }
  });
});
