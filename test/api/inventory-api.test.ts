import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { newToken } from '../../api/auth';
import { createApp } from '../../api/create-app';
import { StaticSecretStore } from '../../common/secrets';
import { TopologyIndex } from '../../inventory/topology-index';
import { LedgerClient } from '../../temporal/ledger-client';
import { startWorker, type RunningWorker } from '../../worker/create-worker';
import { NAMESPACE, TASK_QUEUE } from '../../worker/task-queue';
import { serve } from '../support/api-server';
import { labSmall, ROOT } from '../support/lab-fixtures';
import { startTestTemporal, type TestTemporal } from '../support/temporal-server';
import { testWorkflowBundle } from '../support/workflow-bundle';

jest.setTimeout(60_000);

let temporal: TestTemporal;
let worker: RunningWorker | undefined;
let ledger: LedgerClient;
let api: { url: string; stop(): Promise<void> };
const token = newToken();
const HOLDER = 'repurpose/web-02/20261102T100000Z-ab12';

beforeAll(async () => {
  const index = new TopologyIndex(await labSmall());
  temporal = await startTestTemporal();
  ledger = new LedgerClient(temporal.client);
  worker = await startWorker({
    address: temporal.address,
    workflowBundle: await testWorkflowBundle(),
    deps: {
      topology: index,
      secrets: new StaticSecretStore({}),
      ledger,
      powerDriver: () => {
        throw new Error('no BMCs in this suite');
      },
    },
  });
  api = await serve(
    createApp({
      client: temporal.client,
      topology: index,
      tokens: [token],
      taskQueue: TASK_QUEUE,
      namespace: NAMESPACE,
      audit: () => undefined,
    }),
  );
});

afterAll(async () => {
  await api?.stop();
  await worker?.shutdown();
  await temporal?.stop();
});

async function get(
  path: string,
  auth: string | null = token,
): Promise<{ status: number; json: any }> {
  const res = await fetch(`${api.url}${path}`, {
    headers: auth === null ? {} : { authorization: `Bearer ${auth}` },
  });
  return { status: res.status, json: await res.json() };
}

/**
 * The CLI from source, as a user runs it (the token in its environment); asynchronous, because the
 * API it calls lives in this process.
 */
async function cli(...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'cli', 'bin.ts'), ...args, '--api', api.url],
    {
      cwd: ROOT,
      encoding: 'utf8',
      env: {
        ...process.env,
        RACKSHIFT_TOKEN: token,
        RACKSHIFT_CONFIG: join(ROOT, 'no-such-rackshift-config.yaml'),
      },
    },
  );
  return stdout;
}

describe('inventory API', () => {
  it('refuses requests without a valid bearer token', async () => {
    expect((await get('/api/v1/inventory', null)).status).toBe(401);
    expect((await get('/api/v1/inventory/machines/m-r1-03', newToken())).status).toBe(401);
  });

  it('shows the topology with nothing recorded before any ledger exists', async () => {
    const { status, json } = await get('/api/v1/inventory');
    expect(status).toBe(200);
    expect(json.machines).toHaveLength(8);
    expect(
      json.machines.every((m: any) => m.record === null && m.persona === null && m.lease === null),
    ).toBe(true);
    expect(json.sites).toEqual([
      {
        name: 'dc1',
        ledgerVersion: 0,
        machines: {
          total: 8,
          byPool: { spare: 4, repurposable: 2, dedicated: 2 },
          byRole: { idle: 0, persona: 0, hypervisor: 0, unrecorded: 8 },
        },
        leases: 0,
        personas: { placed: 0, notPlaced: 3 },
      },
    ]);
  });

  it('shows what runs put into the ledger: leases, placements on machines and as VMs, records, boot assignments', async () => {
    await ledger.acquire('dc1', {
      holder: HOLDER,
      resources: ['machine:m-r1-03', 'persona:web-02', 'persona:app-01'],
      purpose: 'inventory test',
    });
    await ledger.place('dc1', {
      holder: HOLDER,
      persona: 'web-02',
      placement: { kind: 'machine', machine: 'm-r1-03' },
    });
    await ledger.place('dc1', {
      holder: HOLDER,
      persona: 'app-01',
      placement: { kind: 'vm', host: 'm-r2-03' },
    });
    await ledger.setMachine('dc1', {
      holder: HOLDER,
      machine: 'm-r1-03',
      power: 'on',
      healthy: true,
      role: 'persona',
    });
    await ledger.setMachine('dc1', {
      holder: HOLDER,
      machine: 'm-r2-03',
      power: 'on',
      role: 'hypervisor',
    });
    const mac = '52:54:00:00:03:00';
    await ledger.setBoot('dc1', {
      holder: HOLDER,
      mac,
      machine: 'm-r1-03',
      assignment: { mac, machine: 'm-r1-03', persona: 'web-02', image: 'ubuntu-24-pxe' },
    });

    const { json } = await get('/api/v1/inventory');
    const m = json.machines.find((x: any) => x.id === 'm-r1-03');
    expect(m).toMatchObject({
      site: 'dc1',
      rack: 'r1',
      pool: 'spare',
      bmc: { driver: 'redfish', address: '127.0.0.1', port: 18441 },
      record: { power: 'on', healthy: true, role: 'persona' },
      persona: 'web-02',
      lease: { holder: HOLDER, purpose: 'inventory test' },
    });
    expect(m.nics[0]).toEqual({
      name: 'eth0',
      mac,
      switch: 'sw-r1',
      port: 'GigabitEthernet1/0/3',
      boot: { persona: 'web-02', image: 'ubuntu-24-pxe' },
    });
    expect(json.machines.find((x: any) => x.id === 'm-r2-03')).toMatchObject({
      vms: ['app-01'],
      persona: null,
      record: { role: 'hypervisor' },
      lease: null,
    });
    expect(json.personas.find((p: any) => p.name === 'app-01')).toMatchObject({
      placement: { kind: 'vm', host: 'm-r2-03' },
      site: 'dc1',
      lease: { holder: HOLDER },
    });
    expect(json.sites[0]).toMatchObject({
      leases: 3,
      machines: { byRole: { persona: 1, hypervisor: 1, unrecorded: 6 } },
      personas: { placed: 2 },
    });
    expect(json.sites[0].ledgerVersion).toBeGreaterThan(0);
    expect(json.issues).toEqual([]);
    // The topology names BMC credentials; the inventory never carries them.
    expect(JSON.stringify(json)).not.toMatch(/credential|lab-bmc/);
  });

  it('answers one machine and one persona', async () => {
    const machine = await get('/api/v1/inventory/machines/m-r1-03');
    expect(machine).toMatchObject({
      status: 200,
      json: {
        machine: { id: 'm-r1-03', persona: 'web-02', lease: { holder: HOLDER } },
        issues: [],
      },
    });
    const persona = await get('/api/v1/inventory/personas/web-02');
    expect(persona).toMatchObject({
      status: 200,
      json: {
        persona: {
          name: 'web-02',
          priority: 3,
          image: 'ubuntu-24-pxe',
          vmAllowed: true,
          placement: { kind: 'machine', machine: 'm-r1-03' },
          home: null,
        },
      },
    });
  });

  it('404s unknown ids and 400s malformed ones', async () => {
    expect(await get('/api/v1/inventory/machines/m-nowhere')).toEqual({
      status: 404,
      json: {
        error: {
          code: 'NotFound',
          message: 'unknown machine "m-nowhere"; GET /api/v1/inventory lists them',
          details: [],
        },
      },
    });
    expect((await get('/api/v1/inventory/personas/nobody')).json.error.message).toBe(
      'unknown persona "nobody"; GET /api/v1/inventory lists them',
    );
    const bad = await get(`/api/v1/inventory/machines/${encodeURIComponent('M-R1-03;reboot')}`);
    expect(bad.status).toBe(400);
    expect(bad.json.error.details).toEqual([
      { path: 'id', message: expect.stringMatching(/^must be lower-case letters/) },
    ]);
    expect((await get('/api/v1/inventory/personas/-web')).status).toBe(400);
  });

  it('prints the tables and details through the CLI', async () => {
    const table = await cli('inventory');
    const lines = table.split('\n');
    expect(lines[0]).toMatch(/^MACHINE\s+SITE\/RACK\s+POOL\s+POWER\s+ROLE\s+PERSONA\s+LEASE$/);
    expect(lines).toContainEqual(
      expect.stringMatching(
        new RegExp(`^m-r1-03\\s+dc1/r1\\s+spare\\s+on\\s+persona\\s+web-02\\s+${HOLDER}$`),
      ),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/^m-r2-03\s+dc1\/r2\s+spare\s+on\s+hypervisor\s+vms: app-01\s+-$/),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/^m-r1-01\s+dc1\/r1\s+dedicated\s+unknown\s+-\s+-\s+-$/),
    );
    expect(lines.filter((l) => /^m-r[12]-0\d\s/.test(l))).toHaveLength(8);
    expect(lines).toContainEqual(
      expect.stringMatching(new RegExp(`^app-01\\s+3\\s+vm on m-r2-03 \\(dc1\\)\\s+${HOLDER}$`)),
    );
    expect(lines).toContainEqual(expect.stringMatching(/^db-01\s+1\s+not placed\s+-$/));

    const machine = await cli('inventory', 'machine', 'm-r1-03');
    expect(machine).toMatch(/^m-r1-03 {2}dc1\/r1 {2}spare {2}x86_64, 16 cores, 64 GiB$/m);
    expect(machine).toMatch(
      /^ {2}eth0 +52:54:00:00:03:00 on sw-r1 GigabitEthernet1\/0\/3, boots web-02 \(ubuntu-24-pxe\)$/m,
    );
    expect(machine).toMatch(/^ {2}power +on, healthy$/m);
    expect(JSON.parse(await cli('inventory', 'persona', 'app-01', '--json'))).toMatchObject({
      persona: { placement: { kind: 'vm', host: 'm-r2-03' } },
    });
    await expect(cli('inventory', 'machine', 'm-nowhere')).rejects.toMatchObject({
      code: 3,
      stderr: expect.stringContaining('API 404: unknown machine "m-nowhere"'),
    });
  });

  it('answers 503 naming the site when no worker answers the ledger', async () => {
    await worker?.shutdown();
    worker = undefined;
    const { status, json } = await get('/api/v1/inventory');
    expect(status).toBe(503);
    expect(json.error).toMatchObject({
      code: 'LedgerUnavailable',
      details: [{ path: 'ledger.dc1' }],
      message: expect.stringMatching(
        /^the ledger of site dc1 did not answer .*is a rackshift worker running\?$/,
      ),
    });
    // Ids are still checked without the ledger.
    expect((await get('/api/v1/inventory/machines/m-nowhere')).status).toBe(404);
  });
});
