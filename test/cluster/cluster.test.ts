import { SEARCH_ATTRIBUTES } from '../../temporal/search-attributes';
import { Client, Connection, type WorkflowExecutionInfo } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newToken } from '../../api/auth';
import type { Lab } from '../../lab/lab';
import { startLab } from '../../lab/start-lab';
import type { FailoverReport } from '../../workflows/site-failover/failover-report';
import type { PowerReport } from '../../workflows/power/power-workflow';
import { progressQuery } from '../../workflows/run-journal';
import { spawnApi, type ApiProcess } from '../support/api-process';
import { ROOT } from '../support/lab-fixtures';
import { relocatedTopology, type RelocatedTopology } from '../support/relocated-topology';
import { runCli } from '../support/run-cli';
import {
  clusterArgs,
  clusterState,
  clusterTls,
  restartClusterServer,
  type ClusterState,
} from '../support/temporal-cluster';
import { spawnWorker, type WorkerProcess } from '../support/worker-process';

jest.setTimeout(900_000);

/**
 * rackshift as a data center runs it: the real Temporal server on PostgreSQL (one per jest
 * run, see test/support/global-cluster.ts), two `rackshift worker` and two `rackshift api`
 * processes, the whole lab. Each test builds on the one before, as an operator's day would.
 */
const NS = `rackshift-cluster-${process.pid}`;
const RACK_FIRE = join(ROOT, 'examples', 'rack-fire.yaml');

let state: ClusterState;
let relocated: RelocatedTopology;
let lab: Lab;
let connection: Connection;
let client: Client;
let token: string;
let tokenFile: string;
let apiPorts: number[];
const tempDirs: string[] = [];
const apis: ApiProcess[] = [];
const workers: WorkerProcess[] = [];

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

beforeAll(async () => {
  state = clusterState();
  relocated = await relocatedTopology(RACK_FIRE);
  apiPorts = [await relocated.freePort(), await relocated.freePort()];
  lab = await startLab({
    topology: relocated.topology,
    dataDir: tempDir('rackshift-cluster-lab-'),
    apiBaseUrl: `http://127.0.0.1:${apiPorts[0]}`,
    timing: { powerDelayMs: 1000, bootMs: 1500, shutdownMs: 300 },
  });
  token = newToken();
  tokenFile = join(tempDir('rackshift-cluster-tokens-'), 'tokens');
  writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
  connection = await Connection.connect({ address: state.address, tls: clusterTls(state) });
  client = new Client({ connection, namespace: NS });
});

afterAll(async () => {
  for (const w of workers) await w.kill('SIGKILL');
  for (const a of apis) await a.kill('SIGTERM');
  await lab?.stop();
  await connection?.close();
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
});

const conn = (): string[] => [...clusterArgs(state), '--namespace', NS];

function identityOf(w: WorkerProcess): string {
  const m = /(rackshift-worker@\S+:\d+): polling/.exec(w.output());
  if (!m) throw new Error(`no identity in the worker's output:\n${w.output()}`);
  return m[1]!;
}

async function worker(built = false): Promise<WorkerProcess> {
  const w = await spawnWorker({
    temporal: state.address,
    topologyFile: relocated.file,
    secretsFile: lab.secretsFile,
    args: [...conn(), '--disk-transfer', lab.controlUrl],
    built,
  });
  workers.push(w);
  return w;
}

const alive = (): WorkerProcess[] =>
  workers.filter((w) => w.child.exitCode === null && w.child.signalCode === null);

async function post(api: ApiProcess, runbook: string, input: unknown): Promise<string> {
  const res = await fetch(`${api.url}/api/v1/runbooks/${runbook}/runs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ input }),
  });
  const body = (await res.json()) as { runId?: string };
  if (res.status !== 202 || body.runId === undefined)
    throw new Error(`POST ${runbook}: ${res.status} ${JSON.stringify(body)}`);
  return body.runId;
}

async function getRun(
  api: ApiProcess,
  runId: string,
): Promise<{ status: string; result?: unknown }> {
  const res = await fetch(`${api.url}/api/v1/runs/${encodeURIComponent(runId)}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { status: string; result?: unknown };
}

/**
 * Every identity that completed a workflow task or ran an activity of the run, from its history.
 */
async function identities(runId: string): Promise<Set<string>> {
  const history = await client.workflow.getHandle(runId).fetchHistory();
  const ids = new Set<string>();
  for (const e of history.events ?? []) {
    const id =
      e.workflowTaskCompletedEventAttributes?.identity ??
      e.activityTaskStartedEventAttributes?.identity;
    if (id) ids.add(id);
  }
  return ids;
}

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 180_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = await probe().catch(() => undefined);
    if (got !== undefined) return got;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('rackshift on a real Temporal cluster (temporal-server + PostgreSQL, mTLS)', () => {
  it('the frontend refuses a client without a certificate the CA signed, and plain gRPC', async () => {
    const { ca, serverName } = state.tls;
    const noCert = {
      address: state.address,
      tls: { serverRootCACertificate: readFileSync(ca), serverNameOverride: serverName },
      connectTimeout: 3000,
    };
    const reach = async (options: Parameters<typeof Connection.connect>[0]): Promise<string> => {
      try {
        const c = await Connection.connect(options);
        try {
          await c.workflowService.getSystemInfo({});
          return 'answered';
        } finally {
          await c.close();
        }
      } catch {
        return 'refused';
      }
    };
    expect(await reach(noCert)).toBe('refused');
    expect(await reach({ address: state.address, connectTimeout: 3000 })).toBe('refused');
    expect(
      await reach({ address: state.address, tls: clusterTls(state), connectTimeout: 3000 }),
    ).toBe('answered');
  });

  it('worker and API refuse a namespace that is not set up, saying what is missing; `rackshift admin setup` fixes it', async () => {
    await expect(worker()).rejects.toThrow(
      `no namespace ${NS}: run \`rackshift admin setup --namespace ${NS}\``,
    );
    workers.length = 0;

    // A namespace created by hand, without rackshift's search attributes: the API names each one.
    const bare = `${NS}-bare`;
    await connection.workflowService.registerNamespace({
      namespace: bare,
      workflowExecutionRetentionPeriod: msToTs('1 day'),
    });
    const refused = spawnApi({
      port: apiPorts[1]!,
      topologyFile: relocated.file,
      tokenFile,
      args: [...clusterArgs(state), '--namespace', bare],
    });
    await expect(refused).rejects.toThrow(
      `${SEARCH_ATTRIBUTES.map(([name, type]) => `no search attribute ${name} (${type}) in namespace ${bare}`).join('; ')}: run \`rackshift admin setup --namespace ${bare}\``,
    );

    const out = await runCli(['admin', 'setup', ...conn(), '--retention-days', '30']);
    expect(out).toContain(`namespace ${NS}: created with retention 30 days`);
    expect(out).toContain(
      `namespace ${NS}: added search attributes RackshiftRunbook, RackshiftSite, RackshiftMachine, RackshiftPersona`,
    );
    const { config } = await connection.workflowService.describeNamespace({ namespace: NS });
    expect(Number(config?.workflowExecutionRetentionTtl?.seconds)).toBe(30 * 86_400);
    // Idempotent: a second setup changes nothing and says so.
    expect(await runCli(['admin', 'setup', ...conn()])).toContain(
      `namespace ${NS}: search attributes already there`,
    );
  });

  it('two workers (one the built CLI with its prebuilt bundle) and two APIs start; runs started through one API spread over both', async () => {
    const [a, b] = [await worker(), await worker(true)];
    expect(identityOf(a)).not.toBe(identityOf(b));
    expect(b.output()).toContain(
      `workflows from ${join(ROOT, 'dist', 'worker', 'workflows.bundle.js')}`,
    );
    for (const port of apiPorts)
      apis.push(await spawnApi({ port, topologyFile: relocated.file, tokenFile, args: conn() }));

    const machines = ['m-r1-01', 'm-r1-02', 'm-r1-03', 'm-r1-04', 'm-r1-05', 'm-r1-06'];
    const runIds = [];
    for (const machine of machines)
      runIds.push(await post(apis[0]!, 'power', { machine, action: 'on' }));
    const reports = await Promise.all(
      runIds.map((id) => client.workflow.getHandle(id).result() as Promise<PowerReport>),
    );
    for (const r of reports)
      expect(r).toMatchObject({ stateBefore: 'off', stateAfter: 'on', alreadyInState: false });
    const seen = new Set<string>();
    for (const id of runIds) for (const i of await identities(id)) seen.add(i);
    expect([...seen].sort()).toEqual([identityOf(a), identityOf(b)].sort());

    // Both APIs serve the same runs, from the same namespace.
    for (const id of runIds) {
      const [x, y] = [await getRun(apis[0]!, id), await getRun(apis[1]!, id)];
      expect(x).toMatchObject({ status: 'COMPLETED' });
      expect(y.result).toEqual(x.result);
    }
    const lists = await Promise.all(
      apis.map(async (api) => {
        const res = await fetch(`${api.url}/api/v1/runs?runbook=power`, {
          headers: { authorization: `Bearer ${token}` },
        });
        return ((await res.json()) as { runs: Array<{ runId: string }> }).runs
          .map((r) => r.runId)
          .sort();
      }),
    );
    expect(lists[0]).toEqual([...runIds].sort());
    expect(lists[1]).toEqual(lists[0]);
  });

  it('SIGKILL of the worker running an activity: the other worker finishes the run, one power-on at the BMC', async () => {
    const machine = 'm-r1-07';
    lab.machine(machine).setTiming({ powerDelayMs: 8000 });
    const runId = await post(apis[1]!, 'power', { machine, action: 'on' });
    const handle = client.workflow.getHandle(runId);
    // The activity that waits for the BMC to report "on", and the worker running it.
    const holder = await waitFor('the wait-state activity to be running', async () => {
      const progress = await handle.query(progressQuery);
      if (progress.step !== 'wait-state') return undefined;
      const pending = (await handle.describe()).raw.pendingActivities ?? [];
      const running = pending.find((p) => p.lastWorkerIdentity && p.lastStartedTime);
      return running
        ? {
            identity: running.lastWorkerIdentity!,
            activityId: running.activityId!,
            attempt: running.attempt ?? 1,
          }
        : undefined;
    });
    const victim = alive().find((w) => identityOf(w) === holder.identity);
    if (!victim) throw new Error(`no live worker is ${holder.identity}`);
    const survivor = alive().find((w) => w !== victim)!;
    await victim.kill('SIGKILL');
    const killedAt = Date.now();
    // Takeover: the same activity started again, by the survivor (after the heartbeat timeout).
    await waitFor('the survivor to take the activity over', async () => {
      const pending = (await handle.describe()).raw.pendingActivities ?? [];
      const p = pending.find((x) => x.activityId === holder.activityId);
      if (p === undefined) return true; // already completed by the survivor
      return p.lastWorkerIdentity === identityOf(survivor) && (p.attempt ?? 1) > holder.attempt
        ? true
        : undefined;
    });
    const takeoverMs = Date.now() - killedAt;
    const report = (await handle.result()) as PowerReport;
    const doneMs = Date.now() - killedAt;
    expect(report).toMatchObject({ stateAfter: 'on' });
    expect(lab.machine(machine).count('on')).toBe(1);
    expect(await identities(runId)).toContain(identityOf(survivor));
    console.log(
      `cluster: SIGKILL of ${holder.identity} mid-activity; ${identityOf(survivor)} took it over ${(takeoverMs / 1000).toFixed(1)} s later, run done ${(doneMs / 1000).toFixed(1)} s after the kill`,
    );
    await worker();
  });

  it('SIGKILL and restart of the Temporal server mid-run: the run completes, both APIs still answer', async () => {
    const machine = 'm-r1-08';
    lab.machine(machine).setTiming({ powerDelayMs: 8000 });
    const runId = await post(apis[0]!, 'power', { machine, action: 'on' });
    const handle = client.workflow.getHandle(runId);
    await waitFor('wait-state', async () =>
      (await handle.query(progressQuery)).step === 'wait-state' ? true : undefined,
    );
    const downMs = await restartClusterServer(state, 'SIGKILL');
    const restartedAt = Date.now();
    const report = (await handle.result()) as PowerReport;
    expect(report).toMatchObject({ stateAfter: 'on' });
    expect(lab.machine(machine).count('on')).toBe(1);
    for (const api of apis)
      expect(await getRun(api, runId)).toMatchObject({ status: 'COMPLETED', result: report });
    console.log(
      `cluster: temporal-server SIGKILLed and answering again after ${(downMs / 1000).toFixed(1)} s (server start ${(state.timings.serverStartMs / 1000).toFixed(1)} s); run done ${((Date.now() - restartedAt) / 1000).toFixed(1)} s later`,
    );
  });

  it('SIGTERM drains: the worker finishes the activity it holds (no retry elsewhere), then exits 0', async () => {
    const machine = 'm-r1-09';
    lab.machine(machine).setTiming({ powerDelayMs: 6000 });
    const runId = await post(apis[0]!, 'power', { machine, action: 'on' });
    const handle = client.workflow.getHandle(runId);
    const holder = await waitFor('the wait-state activity to be running', async () => {
      if ((await handle.query(progressQuery)).step !== 'wait-state') return undefined;
      const running = ((await handle.describe()).raw.pendingActivities ?? []).find(
        (p) => p.lastWorkerIdentity && p.lastStartedTime,
      );
      return running
        ? { identity: running.lastWorkerIdentity!, activityId: running.activityId! }
        : undefined;
    });
    const draining = alive().find((w) => identityOf(w) === holder.identity)!;
    const exited = new Promise<number | null>((resolve) =>
      draining.child.once('exit', (code) => resolve(code)),
    );
    draining.child.kill('SIGTERM');
    expect(await handle.result()).toMatchObject({ stateAfter: 'on' });
    expect(await exited).toBe(0);
    expect(draining.output()).toContain(
      `${holder.identity}: SIGTERM: draining, running activities get 30 s`,
    );
    const history = await handle.fetchHistory();
    const scheduled = history.events!.find(
      (e) => e.activityTaskScheduledEventAttributes?.activityId === holder.activityId,
    )!;
    const started = history.events!.find(
      (e) =>
        e.activityTaskStartedEventAttributes?.scheduledEventId?.toString() ===
        scheduled.eventId?.toString(),
    )!;
    expect({
      identity: started.activityTaskStartedEventAttributes!.identity,
      attempt: started.activityTaskStartedEventAttributes!.attempt,
    }).toEqual({ identity: holder.identity, attempt: 1 });
    expect(lab.machine(machine).count('on')).toBe(1);
    await worker();
  });

  it('a site-failover completes across a worker SIGKILL and a server restart, every child started once', async () => {
    lab.burnRack('r1');
    const failoverId = await post(apis[1]!, 'site-failover', {
      racks: ['r1'],
      healthTimeoutSeconds: 120,
      powerTimeoutSeconds: 60,
    });
    const handle = client.workflow.getHandle(failoverId);
    const children = async (extra = ''): Promise<WorkflowExecutionInfo[]> => {
      const runs: WorkflowExecutionInfo[] = [];
      for await (const w of client.workflow.list({
        query: `WorkflowId STARTS_WITH '${failoverId}/'${extra}`,
      }))
        runs.push(w);
      return runs;
    };
    await waitFor('two child runbooks running', async () =>
      (await children(` AND ExecutionStatus = 'Running'`)).length >= 2 ? true : undefined,
    );
    const victim = alive()[0]!;
    await victim.kill('SIGKILL');
    await worker();
    const downMs = await restartClusterServer(state, 'SIGKILL');
    const report = (await handle.result()) as FailoverReport;
    expect(report.outcome).toBe('completed');
    expect(report.hosts.filter((h) => h.outcome !== 'up')).toEqual([]);
    expect(
      report.personas
        .filter((p) => p.priority <= 2 && p.outcome !== 'restored')
        .map((p) => `${p.persona}: ${p.outcome}`),
    ).toEqual([]);
    const plan = report.plan!;
    const expectedIds = [
      ...plan.hypervisorHosts.map((h) => `${failoverId}/host-${h.machine}`),
      ...plan.restorations
        .filter((r) => r.outcome === 'restored')
        .map((r) => `${failoverId}/${r.persona}`),
    ].sort();
    const runs = await children();
    expect(runs.map((r) => r.workflowId).sort()).toEqual(expectedIds);
    expect(
      runs
        .filter((r) => r.status.name !== 'COMPLETED')
        .map((r) => `${r.workflowId}: ${r.status.name}`),
    ).toEqual([]);
    expect(await getRun(apis[0]!, failoverId)).toMatchObject({ status: 'COMPLETED' });
    console.log(
      `cluster: site-failover completed ${report.personas.filter((p) => p.outcome === 'restored').length} restorations across a worker SIGKILL and a ${(downMs / 1000).toFixed(1)} s server restart`,
    );
  });
});
