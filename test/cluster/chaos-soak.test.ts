import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newToken } from '../../api/auth';
import type { LedgerState } from '../../inventory/ledger-records';
import type { Lab } from '../../lab/lab';
import { startLab } from '../../lab/start-lab';
import { LedgerClient } from '../../temporal/ledger-client';
import { spawnApi, type ApiProcess } from '../support/api-process';
import { auditRuns, labLeaks, survivingProcesses, table } from '../support/chaos-audit';
import { KillLoop, sleep } from '../support/chaos-kills';
import { bubbleOf } from '../support/drill-bubble';
import { ROOT } from '../support/lab-fixtures';
import { ledgerLabDisagreements } from '../support/ledger-lab-check';
import { relocatedTopology, type RelocatedTopology } from '../support/relocated-topology';
import { runCli } from '../support/run-cli';
import { seededRandom } from '../support/seeded-random';
import {
  clusterArgs,
  clusterTls,
  startTemporalCluster,
  stopClusterServer,
  stopTemporalCluster,
  type ClusterState,
} from '../support/temporal-cluster';
import { spawnWorker, type WorkerProcess } from '../support/worker-process';

/**
 * The chaos soak (issue 11): a mix of runbooks on the production-shaped cluster while a bounded
 * loop SIGKILLs a random worker or the Temporal server at seeded random moments. Short in CI
 * (RACKSHIFT_CHAOS_KILLS, default 12); `npm run chaos` runs 100 kills. RACKSHIFT_CHAOS_SEED
 * replays a seed's kill sequence. The soak has a Temporal server and PostgreSQL of its own, so its
 * server kills never hit the other suites of the cluster project.
 *
 * Three lanes run side by side until most kills are done, each choosing its next runbook from
 * the ledger, so a compensated run is simply followed by the right next one: app-01 repurposed
 * onto its home machine and released again; web-01 moved between its machine and a VM on a new
 * hypervisor host (hypervisor-bringup once, then p2v and v2p); dr-drills of rack r1. Then rack r1
 * burns and a site-failover runs under the last kills. Afterwards: every run completed or
 * compensated, none is stuck, the ledger and the lab agree on every machine, port, mask and boot
 * assignment, and nothing leaked (VMs, LUNs, masks, processes).
 */
const KILLS = Number(process.env.RACKSHIFT_CHAOS_KILLS ?? 12);
const SEED = Number(process.env.RACKSHIFT_CHAOS_SEED ?? Date.now() % 2 ** 31);
/** The last kills fall on the site-failover. */
const FINALE_KILLS = Math.max(3, Math.round(KILLS * 0.15));
const NS = `rackshift-soak-${process.pid}`;
const RACK_FIRE = join(ROOT, 'examples', 'rack-fire.yaml');
const HOST = 'm-r2-01';

jest.setTimeout(600_000 + KILLS * 30_000);

let state: ClusterState;
let relocated: RelocatedTopology;
let lab: Lab;
let connection: Connection;
let client: Client;
let api: ApiProcess;
let token: string;
let kills: KillLoop;
const tempDirs: string[] = [];
const firstWorkers: WorkerProcess[] = [];

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

const conn = (): string[] => [...clusterArgs(state), '--namespace', NS];

const worker = (): Promise<WorkerProcess> =>
  spawnWorker({
    temporal: state.address,
    topologyFile: relocated.file,
    secretsFile: lab.secretsFile,
    args: [...conn(), '--disk-transfer', lab.controlUrl],
    built: true,
  });

beforeAll(async () => {
  state = await startTemporalCluster();
  relocated = await relocatedTopology(RACK_FIRE);
  const apiPort = await relocated.freePort();
  lab = await startLab({
    topology: relocated.topology,
    dataDir: tempDir('rackshift-soak-lab-'),
    apiBaseUrl: `http://127.0.0.1:${apiPort}`,
    timing: { powerDelayMs: 800, bootMs: 1200, shutdownMs: 300 },
  });
  token = newToken();
  const tokenFile = join(tempDir('rackshift-soak-tokens-'), 'tokens');
  writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
  connection = await Connection.connect({ address: state.address, tls: clusterTls(state) });
  client = new Client({ connection, namespace: NS });
  await runCli(['admin', 'setup', ...conn()]);
  firstWorkers.push(await worker(), await worker());
  api = await spawnApi({ port: apiPort, topologyFile: relocated.file, tokenFile, args: conn() });
});

afterAll(async () => {
  for (const w of [...firstWorkers, ...(kills?.workers() ?? [])]) await w.kill('SIGKILL');
  await api?.kill('SIGTERM');
  await lab?.stop();
  await connection?.close();
  if (state) await stopTemporalCluster(state);
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
});

/** Retries a call that may meet the server mid-restart, until `ms` have passed. */
async function patiently<T>(what: string, call: () => Promise<T>, ms = 300_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await call();
    } catch (e) {
      if (Date.now() > deadline) throw new Error(`${what}: ${(e as Error).message}`);
      await sleep(1000);
    }
  }
}

const ledger = (): Promise<LedgerState> =>
  patiently('ledger snapshot', () => new LedgerClient(client).snapshot('dc1'));

let inFlight = 0;
/** Every run the lanes and the finale started, by runbook (ids are keyed/…, not runbook/…). */
const started: Array<{ readonly runbook: string; readonly id: string }> = [];

/**
 * Starts a runbook through the API (an Idempotency-Key, so a POST retried across a server restart
 * starts one run) and waits for it to end, however it ends; the audit judges it afterwards.
 * Undefined when the API refuses because a machine is busy with another lane's run.
 */
async function run(runbook: string, input: object, key: string): Promise<string | undefined> {
  const res = await patiently(`POST ${runbook}`, async () => {
    const r = await fetch(`${api.url}/api/v1/runbooks/${runbook}/runs`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'idempotency-key': key,
      },
      body: JSON.stringify({ input }),
    });
    if (r.status >= 500) throw new Error(`${r.status} ${await r.text()}`);
    return r;
  });
  if (res.status === 409) return undefined;
  const body = (await res.json()) as { runId?: string };
  if (res.status !== 202 || body.runId === undefined)
    throw new Error(`POST ${runbook}: ${res.status} ${JSON.stringify(body)}`);
  started.push({ runbook, id: body.runId });
  inFlight += 1;
  const t = Date.now();
  process.stderr.write(`chaos soak: ${runbook} ${body.runId} started\n`);
  try {
    await patiently(
      `result of ${body.runId}`,
      async () => {
        try {
          await client.workflow.getHandle(body.runId!).result();
        } catch (e) {
          if (!(e instanceof WorkflowFailedError)) throw e;
        }
      },
      900_000,
    );
  } finally {
    inFlight -= 1;
    process.stderr.write(
      `chaos soak: ${runbook} ${body.runId} ended after ${(Date.now() - t) / 1000} s\n`,
    );
  }
  return body.runId;
}

/**
 * The lanes stop once the kills before the finale are done and each runbook of the mix has run
 * at least once (a slow lab under load must not end the soak with a runbook never tried).
 */
const MIX = ['repurpose', 'release', 'hypervisor-bringup', 'p2v', 'v2p', 'dr-drill'];
const lanesDone = (): boolean =>
  kills.records.length >= KILLS - FINALE_KILLS &&
  MIX.every((r) => started.some((s) => s.runbook === r));

/** Loops `step` (which picks and runs the lane's next runbook) until the lanes are done. */
async function lane(name: string, step: (key: string) => Promise<unknown>): Promise<void> {
  for (let i = 1; !lanesDone(); i += 1) {
    // A pause between runs: a run refused at once (its machine leased by another lane) is not
    // retried in a tight loop.
    await step(`soak-${SEED}-${name}-${i}`);
    await sleep(2000);
  }
}

const moveApp = (key: string): Promise<unknown> =>
  ledger().then((l) =>
    l.placements['app-01']?.kind === 'machine'
      ? run('release', { persona: 'app-01', graceSeconds: 5, powerTimeoutSeconds: 60 }, key)
      : run('repurpose', { persona: 'app-01', machine: 'm-r1-10', healthTimeoutSeconds: 120 }, key),
  );

const moveWeb = async (key: string): Promise<unknown> => {
  const l = await ledger();
  const timeouts = { graceSeconds: 5, healthTimeoutSeconds: 120, powerTimeoutSeconds: 60 };
  if (l.machines[HOST]?.role !== 'hypervisor')
    return run('hypervisor-bringup', { machine: HOST, readyTimeoutSeconds: 120 }, key);
  const at = l.placements['web-01'];
  if (at?.kind === 'machine')
    return run('p2v', { persona: 'web-01', mode: 'san', host: HOST, ...timeouts }, key);
  if (at?.kind === 'vm')
    return run('v2p', { persona: 'web-01', machine: 'm-r1-07', ...timeouts }, key);
  return run(
    'repurpose',
    { persona: 'web-01', machine: 'm-r1-07', healthTimeoutSeconds: 120 },
    key,
  );
};

const drill = (key: string): Promise<unknown> =>
  run(
    'dr-drill',
    {
      racks: ['r1'],
      bubble: bubbleOf(relocated.topology),
      healthHost: '127.0.0.2',
      healthTimeoutSeconds: 120,
      powerTimeoutSeconds: 60,
    },
    key,
  );

describe(`chaos soak: ${KILLS} kills of workers and the Temporal server under a mix of runbooks`, () => {
  it('every run completes or compensates; ledger and lab agree; nothing leaks', async () => {
    console.log(`chaos soak: seed ${SEED} (replay: RACKSHIFT_CHAOS_SEED=${SEED}), ${KILLS} kills`);
    const t0 = Date.now();
    kills = new KillLoop(
      {
        state,
        random: seededRandom(SEED),
        spawnWorker: worker,
        inFlight: () => inFlight,
        pauseMs: { min: 5000, spread: 10_000 },
        serverShare: 0.3,
      },
      firstWorkers.splice(0),
    );
    let lanesOver = false;
    const lanes = Promise.all([lane('app', moveApp), lane('web', moveWeb), lane('drill', drill)]);
    // A lane that fails (a run stuck past its deadline) ends the kills too; `await lanes` throws.
    void lanes.then(
      () => (lanesOver = true),
      () => (lanesOver = true),
    );
    await kills.run(() => lanesOver);
    await lanes;
    const lanesS = (Date.now() - t0) / 1000;
    const lanesKills = kills.records.length;

    const burned = lab.burnRack('r1');
    const failover = run(
      'site-failover',
      { racks: ['r1'], healthTimeoutSeconds: 120, powerTimeoutSeconds: 60 },
      `soak-${SEED}-failover`,
    );
    await Promise.all([
      failover,
      kills.run(() => kills.records.length >= Math.max(KILLS, lanesKills + FINALE_KILLS)),
    ]);
    const soakS = (Date.now() - t0) / 1000;

    const runs = await patiently('audit', () => auditRuns(client, started));
    const final = await ledger();
    const disagreements = ledgerLabDisagreements(lab, relocated.topology, [final]);
    const leaks = [
      ...labLeaks(lab, relocated.topology, final),
      ...Object.values(final.leases).map((l) => `lease of ${l.holder} still held`),
    ];

    for (const w of kills.workers()) await w.kill('SIGKILL');
    await api.kill('SIGTERM');
    await stopClusterServer(state, 'SIGTERM');
    const survivors = survivingProcesses([relocated.file, state.configFile]);

    const workerKills = kills.records.filter((k) => k.target !== 'temporal-server');
    const serverKills = kills.records.filter((k) => k.target === 'temporal-server');
    const mean = (xs: number[]): string =>
      xs.length === 0 ? '-' : (xs.reduce((a, b) => a + b, 0) / xs.length / 1000).toFixed(1);
    const count = (o: string): number => runs.filter((r) => r.outcome === o).length;
    console.log(
      [
        `chaos soak: seed ${SEED}; ${kills.records.length} kills (${workerKills.length} workers, ${serverKills.length} server) in ${soakS.toFixed(0)} s: lanes ${lanesS.toFixed(0)} s with ${lanesKills} kills, then rack r1 burned (${burned.length} machines dark) and a site-failover under ${kills.records.length - lanesKills}`,
        `  back after a kill, mean: worker ${mean(workerKills.map((k) => k.backMs))} s, server ${mean(serverKills.map((k) => k.backMs))} s; kills with runs in flight: ${kills.records.filter((k) => k.inFlight > 0).length}`,
        `  runs: ${runs.length} (${started.length} started through the API, the rest their children): ${count('completed')} completed, ${count('partial')} partial (a failover or drill with a compensated child), ${count('compensated')} compensated, ${count('no-capacity')} refused (no-capacity), ${runs.filter((r) => r.bad).length} bad`,
        table(
          ['kill', 'at s', 'target', 'back s', 'in flight'],
          kills.records.map((k) => [
            k.n,
            k.atS.toFixed(1),
            k.target,
            (k.backMs / 1000).toFixed(1),
            k.inFlight,
          ]),
        ),
        table(
          ['run', 'runbook', 'status', 'outcome', 'detail'],
          runs.map((r) => [r.workflowId, r.runbook, r.status, r.outcome, r.detail.slice(0, 100)]),
        ),
        `  disagreements: ${disagreements.length === 0 ? 'none' : `\n    ${disagreements.join('\n    ')}`}`,
        `  leaks: ${leaks.length === 0 ? 'none' : `\n    ${leaks.join('\n    ')}`}`,
        `  processes left: ${survivors.length === 0 ? 'none' : survivors.join('; ')}`,
      ].join('\n'),
    );

    expect(kills.records.length).toBeGreaterThanOrEqual(KILLS);
    expect(serverKills.length).toBeGreaterThan(0);
    expect(workerKills.length).toBeGreaterThan(0);
    for (const runbook of ['repurpose', 'release', 'p2v', 'v2p', 'dr-drill', 'site-failover'])
      expect({ runbook, started: started.some((s) => s.runbook === runbook) }).toEqual({
        runbook,
        started: true,
      });
    expect(
      runs.filter((r) => r.bad).map((r) => `${r.workflowId}: ${r.outcome} ${r.detail}`),
    ).toEqual([]);
    expect(disagreements).toEqual([]);
    expect(leaks).toEqual([]);
    expect(survivors).toEqual([]);
    for (const pid of kills.pids) expect({ pid, alive: alive(pid) }).toEqual({ pid, alive: false });
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
