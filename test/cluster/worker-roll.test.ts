import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Lab } from '../../lab/lab';
import { startLab } from '../../lab/start-lab';
import { TASK_QUEUE } from '../../worker/task-queue';
import type { PowerReport } from '../../workflows/power/power-workflow';
import { progressQuery } from '../../workflows/run-journal';
import { relocatedTopology, type RelocatedTopology } from '../support/relocated-topology';
import { proceedSignal, type RollResult } from '../support/roll/roll-messages';
import { runCli } from '../support/run-cli';
import {
  clusterArgs,
  clusterState,
  clusterTls,
  type ClusterState,
} from '../support/temporal-cluster';
import { spawnWorker, type WorkerProcess } from '../support/worker-process';

jest.setTimeout(600_000);

/**
 * A rolling upgrade of the workers onto a changed runbook (docs/production.md, "Shipping a
 * changed runbook"): two workers run bundle v1 (test/support/roll/power-roll-v1.ts), a run
 * starts on it and is held open; two workers with bundle v2 (the same runbook with a step added
 * under `patched()`) start, the v1 workers are drained with SIGTERM and exit; the held run
 * finishes on the v2 workers on the old path, and a new run takes the new one.
 */
const NS = `rackshift-roll-${process.pid}`;
const PATCH = 'roll-test-settle-timer';

let state: ClusterState;
let relocated: RelocatedTopology;
let lab: Lab;
let connection: Connection;
let client: Client;
const dirs: string[] = [];
const workers: WorkerProcess[] = [];
const bundles: Record<'v1' | 'v2', string> = { v1: '', v2: '' };

beforeAll(async () => {
  state = clusterState();
  relocated = await relocatedTopology();
  const dir = mkdtempSync(join(tmpdir(), 'rackshift-roll-'));
  dirs.push(dir);
  lab = await startLab({
    topology: relocated.topology,
    dataDir: join(dir, 'lab'),
    apiBaseUrl: `http://127.0.0.1:${await relocated.freePort()}`,
    timing: { powerDelayMs: 1000, bootMs: 1000, shutdownMs: 300 },
  });
  for (const v of ['v1', 'v2'] as const) {
    const bundle = await bundleWorkflowCode({
      workflowsPath: require.resolve(`../support/roll/roll-workflows-${v}`),
      logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error } as never,
    });
    bundles[v] = join(dir, `workflows-${v}.js`);
    writeFileSync(bundles[v], bundle.code);
  }
  connection = await Connection.connect({ address: state.address, tls: clusterTls(state) });
  client = new Client({ connection, namespace: NS });
  await runCli(['admin', 'setup', ...clusterArgs(state), '--namespace', NS]);
});

afterAll(async () => {
  for (const w of workers) await w.kill('SIGKILL');
  await lab?.stop();
  await connection?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function worker(version: 'v1' | 'v2'): Promise<WorkerProcess> {
  const w = await spawnWorker({
    temporal: state.address,
    topologyFile: relocated.file,
    secretsFile: lab.secretsFile,
    bundle: bundles[version],
    args: [...clusterArgs(state), '--namespace', NS],
  });
  workers.push(w);
  expect(w.output()).toContain(`workflows from ${bundles[version]}`);
  return w;
}

function identityOf(w: WorkerProcess): string {
  const m = /(rackshift-worker@\S+:\d+): polling/.exec(w.output());
  if (!m) throw new Error(`no identity in the worker's output:\n${w.output()}`);
  return m[1]!;
}

const start = (machine: string, id: string): Promise<WorkflowHandle> =>
  client.workflow.start('power', {
    taskQueue: TASK_QUEUE,
    workflowId: `roll/${machine}/${id}`,
    args: [{ machine, action: 'on' }],
  });

/**
 * Whether the run's history has the patch's marker (its id in a marker's details), and who
 * completed its workflow tasks.
 */
async function history(handle: WorkflowHandle): Promise<{ marker: boolean; by: string[] }> {
  const events = (await handle.fetchHistory()).events ?? [];
  const marker = events.some((e) =>
    Object.values(e.markerRecordedEventAttributes?.details ?? {}).some((p) =>
      (p.payloads ?? []).some((x) =>
        Buffer.from(x.data ?? [])
          .toString()
          .includes(PATCH),
      ),
    ),
  );
  const by = events.flatMap((e) => e.workflowTaskCompletedEventAttributes?.identity ?? []);
  return { marker, by };
}

async function until(what: string, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('rolling the workers onto a runbook changed under patched()', () => {
  it('a run started on the old code finishes on the new workers on the old path; new runs take the new path', async () => {
    const old = [await worker('v1'), await worker('v1')];
    lab.machine('m-r1-01').setTiming({ powerDelayMs: 5000 });
    const held = await start('m-r1-01', 'old');
    // Mid-run: the power runbook waits for the BMC, on a v1 worker.
    await until('the held run to wait for the BMC', async () => {
      return (await held.query(progressQuery)).step === 'wait-state';
    });

    // The roll: new workers first, then the old ones drained (SIGTERM: finish what they hold,
    // exit 0).
    const fresh = [await worker('v2'), await worker('v2')];
    for (const w of old) {
      const exited = new Promise<number | null>((r) => w.child.once('exit', (code) => r(code)));
      w.child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
    const rolledAt = (await held.fetchHistory()).events!.length;
    await held.signal(proceedSignal);
    const heldResult = (await held.result()) as RollResult<PowerReport>;

    const next = await start('m-r1-02', 'new');
    await next.signal(proceedSignal);
    const nextResult = (await next.result()) as RollResult<PowerReport>;

    const v2 = fresh.map(identityOf);
    const [heldHistory, nextHistory] = [await history(held), await history(next)];
    expect({ path: heldResult.path, after: heldResult.report.stateAfter }).toEqual({
      path: 'old',
      after: 'on',
    });
    expect(heldHistory.marker).toBe(false);
    // The held run's last workflow tasks (after the roll) ran on a v2 worker, replaying its v1
    // history.
    const heldEvents = (await held.fetchHistory()).events!;
    const afterRoll = heldEvents
      .slice(rolledAt)
      .flatMap((e) => e.workflowTaskCompletedEventAttributes?.identity ?? []);
    expect(afterRoll.length).toBeGreaterThan(0);
    expect(afterRoll.every((id) => v2.includes(id))).toBe(true);
    expect(heldEvents.some((e) => e.workflowTaskFailedEventAttributes)).toBe(false);

    expect({ path: nextResult.path, after: nextResult.report.stateAfter }).toEqual({
      path: 'new',
      after: 'on',
    });
    expect(nextHistory.marker).toBe(true);
    expect(nextHistory.by.every((id) => v2.includes(id))).toBe(true);
    console.log(
      `worker roll: run on v1 held mid-power, 2 v2 workers started, 2 v1 workers drained (exit 0); the held run finished on ${[...new Set(afterRoll)].join(', ')} on the old path; a new run took the new path (marker ${PATCH})`,
    );
  });
});
