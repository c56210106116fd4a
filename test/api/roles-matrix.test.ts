import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROLES, type Role } from '../../api/roles';
import { FileTokenStore } from '../../api/token-store';
import { RUNBOOK_KEY } from '../../temporal/search-attributes';
import { TASK_QUEUE } from '../../worker/task-queue';
import { RUNBOOKS } from '../../api/runbook-catalog';
import { serveTestApi, type TestApi } from '../support/test-api';
import { startTestTemporal, type TestTemporal } from '../support/temporal-server';

/*
 * Every route × every role, through a real token store and a real Temporal server (no worker:
 * runs started here stay RUNNING). "Allowed" means the role got past authorization (any answer
 * but 401/403: a 400 for an empty body is fine); "denied" means 403 with code Forbidden.
 */
jest.setTimeout(120_000);

let temporal: TestTemporal;
let api: TestApi;
let dir: string;
let store: FileTokenStore;
const tokens = {} as Record<Role, string>;
const drillRun = 'dr-drill/dc1/matrix';
const powerRun = 'power/m-r1-01/matrix';
const failoverRun = 'site-failover/r1/matrix';
const drillInput = { site: 'dc1', bubble: [{ network: 'prod-web', vlan: 3110 }] };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rackshift-tokens-'));
  store = new FileTokenStore(join(dir, 'tokens.json'));
  for (const role of ROLES) tokens[role] = store.create(`t-${role}`, role).token;
  temporal = await startTestTemporal();
  api = await serveTestApi(temporal.client, { tokenStore: store.file });
  await temporal.client.workflow.start('drDrill', {
    workflowId: drillRun,
    taskQueue: TASK_QUEUE,
    args: [drillInput],
    typedSearchAttributes: [{ key: RUNBOOK_KEY, value: 'dr-drill' }],
  });
  await temporal.client.workflow.start('power', {
    workflowId: powerRun,
    taskQueue: TASK_QUEUE,
    args: [{ machine: 'm-r1-01', action: 'on' }],
    typedSearchAttributes: [{ key: RUNBOOK_KEY, value: 'power' }],
  });
  await temporal.client.workflow.start('siteFailover', {
    workflowId: failoverRun,
    taskQueue: TASK_QUEUE,
    args: [{ racks: ['r1'] }],
    typedSearchAttributes: [{ key: RUNBOOK_KEY, value: 'site-failover' }],
  });
  await temporal.client.workflow
    .getHandle(failoverRun)
    .terminate('ended, so an approval is answered without a worker');
  // Schedules the pause/unpause/trigger/delete rows act on, one per role.
  for (const role of ROLES) {
    const res = await call(tokens.admin, 'POST', '/api/v1/schedules', {
      id: `s-${role}`,
      runbook: 'dr-drill',
      input: drillInput,
      spec: { interval: '1d' },
      paused: true,
    });
    expect(res.status).toBe(201);
  }
});

afterAll(async () => {
  await api?.stop();
  await temporal?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function call(
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: any }> {
  const res = await fetch(`${api.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: await res.json() };
}

const all: readonly Role[] = ROLES;
const drillers: readonly Role[] = ['drill-operator', 'operator', 'admin'];
const operators: readonly Role[] = ['operator', 'admin'];
const admins: readonly Role[] = ['admin'];

interface Row {
  readonly method: string;
  readonly path: (role: Role) => string;
  readonly body?: (role: Role) => unknown;
  readonly allowed: readonly Role[];
}

const enc = encodeURIComponent;
const ROUTES: readonly Row[] = [
  { method: 'GET', path: () => '/api/v1/runbooks', allowed: all },
  { method: 'GET', path: () => '/api/v1/runs', allowed: all },
  { method: 'GET', path: () => `/api/v1/runs/${enc('power/m-r1-01/none')}`, allowed: all },
  { method: 'GET', path: () => '/api/v1/inventory', allowed: all },
  { method: 'GET', path: () => '/api/v1/inventory/machines/m-r1-01', allowed: all },
  { method: 'GET', path: () => '/api/v1/inventory/personas/db-01', allowed: all },
  { method: 'GET', path: () => '/api/v1/drills', allowed: all },
  { method: 'GET', path: () => `/api/v1/drills/${enc(drillRun)}`, allowed: all },
  { method: 'GET', path: () => '/api/v1/schedules', allowed: all },
  { method: 'GET', path: () => '/api/v1/schedules/s-admin', allowed: all },
  ...RUNBOOKS.map(
    (r): Row => ({
      method: 'POST',
      path: () => `/api/v1/runbooks/${r.name}/runs`,
      body: () => ({ input: {} }),
      allowed: r.name === 'dr-drill' ? drillers : operators,
    }),
  ),
  { method: 'POST', path: () => `/api/v1/runs/${enc(drillRun)}/cancel`, allowed: drillers },
  { method: 'POST', path: () => `/api/v1/runs/${enc(powerRun)}/cancel`, allowed: operators },
  {
    method: 'POST',
    path: () => `/api/v1/runs/${enc(failoverRun)}/approval`,
    body: () => ({ decision: 'approve' }),
    allowed: operators,
  },
  {
    method: 'POST',
    path: () => '/api/v1/schedules',
    body: (role) => ({
      id: `new-${role}`,
      runbook: 'dr-drill',
      input: drillInput,
      spec: { interval: '1d' },
      paused: true,
    }),
    allowed: drillers,
  },
  {
    method: 'POST',
    path: (role) => `/api/v1/schedules/s-${role}/trigger`,
    body: () => ({}),
    allowed: drillers,
  },
  {
    method: 'POST',
    path: (role) => `/api/v1/schedules/s-${role}/unpause`,
    body: () => ({}),
    allowed: admins,
  },
  {
    method: 'POST',
    path: (role) => `/api/v1/schedules/s-${role}/pause`,
    body: () => ({}),
    allowed: admins,
  },
  { method: 'DELETE', path: (role) => `/api/v1/schedules/s-${role}`, allowed: admins },
  { method: 'GET', path: () => '/api/v1/guards', allowed: all },
  {
    method: 'POST',
    path: () => '/api/v1/guards',
    body: () => ({ site: 'dc1' }),
    allowed: operators,
  },
];

describe('role matrix', () => {
  it.each(ROUTES.map((r) => [`${r.method} ${r.path('admin')}`, r] as const))(
    '%s',
    async (_name, row) => {
      const got: Record<string, string> = {};
      const want: Record<string, string> = {};
      for (const role of ROLES) {
        const { status, json } = await call(
          tokens[role],
          row.method,
          row.path(role),
          row.body?.(role),
        );
        got[role] =
          status === 403 && json.error?.code === 'Forbidden'
            ? 'denied'
            : status === 401 || status === 403
              ? `?${status}`
              : 'allowed';
        want[role] = row.allowed.includes(role) ? 'allowed' : 'denied';
      }
      expect(got).toEqual(want);
    },
  );

  it("a denied request changes nothing: the viewer's power run and schedule deletion never happen", async () => {
    const before = (await call(tokens.admin, 'GET', '/api/v1/runs?runbook=power')).json.runs.length;
    expect(
      (
        await call(tokens.viewer, 'POST', '/api/v1/runbooks/power/runs', {
          input: { machine: 'm-r1-02', action: 'off' },
        })
      ).json.error.message,
    ).toMatch(
      /^token "t-viewer" \(role viewer\) may not run or schedule the power runbook; roles that may: operator, admin$/,
    );
    expect((await call(tokens.operator, 'DELETE', '/api/v1/schedules/s-viewer')).status).toBe(403);
    expect((await call(tokens.admin, 'GET', '/api/v1/schedules/s-viewer')).status).toBe(200);
    expect((await call(tokens.admin, 'GET', '/api/v1/runs?runbook=power')).json.runs.length).toBe(
      before,
    );
  });
});

describe('token store', () => {
  it('takes a new token and refuses a revoked one without a restart', async () => {
    const { token } = store.create('late-comer', 'viewer');
    expect((await call(token, 'GET', '/api/v1/runbooks')).status).toBe(200);
    expect(store.revoke('late-comer')).toBe(true);
    const refused = await call(token, 'GET', '/api/v1/runbooks');
    expect(refused).toMatchObject({ status: 401, json: { error: { code: 'Unauthorized' } } });
    // A token that never existed, a malformed one, and a right id with a wrong secret.
    const [, id] = tokens.viewer.split('.');
    for (const bad of [
      `rs1.${'0'.repeat(16)}.${'A'.repeat(43)}`,
      'x'.repeat(40),
      `rs1.${id}.${'B'.repeat(43)}`,
    ])
      expect((await call(bad, 'GET', '/api/v1/runbooks')).status).toBe(401);
  });

  it('accepts the scheme in any case (RFC 9110)', async () => {
    for (const scheme of ['bearer', 'BEARER', 'Bearer']) {
      const res = await fetch(`${api.url}/api/v1/runbooks`, {
        headers: { authorization: `${scheme} ${tokens.viewer}` },
      });
      expect({ scheme, status: res.status }).toEqual({ scheme, status: 200 });
    }
  });

  it('fails closed when the store becomes readable by others', async () => {
    chmodSync(store.file, 0o644);
    const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      expect(await call(tokens.admin, 'GET', '/api/v1/runbooks')).toMatchObject({
        status: 500,
        json: { error: { code: 'InternalError' } },
      });
      expect(errors).toHaveBeenCalledWith(
        expect.stringMatching(/token store .*tokens\.json: mode: is 644; must be 0600/),
      );
    } finally {
      errors.mockRestore();
      chmodSync(store.file, 0o600);
    }
    expect((await call(tokens.admin, 'GET', '/api/v1/runbooks')).status).toBe(200);
  });
});
