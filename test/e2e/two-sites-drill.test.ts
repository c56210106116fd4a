import { join } from 'node:path';
import { cloneIdFor, drillTag } from '../../domain/drill/drill-names';
import { probe } from '../../drivers/health/health-probe';
import type { LabArraysComponent } from '../../lab/san/start-lab-arrays';
import { TASK_QUEUE } from '../../worker/task-queue';
import type { DrillReport } from '../../workflows/dr-drill/drill-report';
import { progressQuery, type RunProgress } from '../../workflows/run-journal';
import type { RunbookReport } from '../../workflows/runbook-report';
import { expectEachChildStartedOnce, workerPool } from '../support/failover-children';
import { startFullStack, type FullStack } from '../support/full-stack';
import { labHardwareState, labNextBoot } from '../support/lab-snapshot';
import { ledgerFacts } from '../support/ledger-state';
import { ROOT } from '../support/lab-fixtures';
import { stackApi, startThroughApi } from '../support/stack-api';
import type { WorkerProcess } from '../support/worker-process';

jest.setTimeout(600_000);

const TWO_SITES = join(ROOT, 'examples', 'two-sites.yaml');
/** The bubble by the drill networks' own ids; at site-b they are 3610, 3620 and 3700. */
const DRILL = {
  site: 'site-a',
  targetSites: ['site-b'],
  allowRepurpose: true,
  healthHost: '127.0.0.2',
  healthTimeoutSeconds: 60,
  powerTimeoutSeconds: 60,
  bubble: [
    { network: 'prod-web', vlan: 3110 },
    { network: 'prod-db', vlan: 3120 },
    { network: 'storage', vlan: 3200 },
  ],
};
const REPLICAS = ['db-01-boot-r', 'db-01-data-r', 'web-01-boot-r'];

let stack: FullStack;
let arrays: LabArraysComponent;
let worker: WorkerProcess;
const workers = workerPool(() => stack);
const api = stackApi(() => stack);

beforeAll(async () => {
  // Workers run as processes, so that the crash test can SIGKILL one.
  stack = await startFullStack({ source: TWO_SITES, noWorker: true });
  arrays = stack.lab.components.find((c) => c.kind === 'arrays') as LabArraysComponent;
  worker = await workers.spawn();
  // Production: db-01 and web-01 at site-a, batch-01 (repurposable) at site-b.
  for (const [persona, machine] of [
    ['db-01', 'm-a1-01'],
    ['web-01', 'm-a1-02'],
    ['batch-01', 'm-b1-02'],
  ] as const) {
    const home = (await stack.temporal.client.workflow.execute('repurpose', {
      taskQueue: TASK_QUEUE,
      workflowId: `repurpose/${persona}/drill-setup`,
      args: [{ persona, machine, healthTimeoutSeconds: 60 }],
    })) as RunbookReport;
    expect(home.endedOn).toBe(machine);
  }
  // site-a writes: the sync replicas follow at once, the async one (300 s RPO) not yet.
  for (let i = 0; i < 5; i += 1)
    for (const lun of ['db-01-boot', 'db-01-data', 'web-01-boot'])
      expect(arrays.array('array-a').write(lun)).toBeUndefined();
  expect(arrays.array('array-b').generation('db-01-boot-r')).toBe(5);
  expect(arrays.array('array-b').generation('web-01-boot-r')).toBe(0);
});

afterAll(async () => {
  await workers.killAll();
  await stack?.stop();
});

/** Each DRBD link as both arrays see it: roles, disks, whether it is connected (no generations). */
function replicationState(): unknown {
  return [...arrays.array('array-b').drbd.values()].map((l) => ({
    resource: l.resource,
    connected: l.connected,
    reachable: l.reachable,
    nodes: l.nodes.map((n) => ({
      array: n.array,
      role: n.role,
      disk: n.disk,
      wantsConnection: n.wantsConnection,
    })),
  }));
}

/** All a drill must leave as it found it: hardware, next boots, both ledgers, replication. */
async function untouched(): Promise<unknown> {
  return {
    hardware: labHardwareState(stack.lab),
    nextBoot: labNextBoot(stack.lab),
    ledgers: [
      ledgerFacts(await stack.ledger.snapshot('site-a')),
      ledgerFacts(await stack.ledger.snapshot('site-b')),
    ],
    replication: replicationState(),
  };
}

const snapshotOf = (runId: string, replica: string): string => cloneIdFor(replica, drillTag(runId));

async function progressOf(runId: string): Promise<DrillReport | undefined> {
  const p = (await stack.temporal.client.workflow
    .getHandle(runId)
    .query(progressQuery)
    .catch(() => undefined)) as RunProgress | undefined;
  return p?.report as DrillReport | undefined;
}

/** Waits until the drill reports `n` copies up. */
async function copiesUp(runId: string, n: number): Promise<void> {
  for (let i = 0; i < 1500; i += 1) {
    const up = (await progressOf(runId))?.personas.filter((p) => p.outcome === 'restored');
    if ((up?.length ?? 0) >= n) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the drill never had ${n} copies up`);
}

/** Waits until the lab is back to `before` (the copies clean up after their drill ends). */
async function backTo(before: unknown): Promise<unknown> {
  const deadline = Date.now() + 180_000;
  let now = await untouched();
  while (Date.now() < deadline && JSON.stringify(now) !== JSON.stringify(before)) {
    await new Promise((r) => setTimeout(r, 500));
    now = await untouched();
  }
  return now;
}

const health = (persona: string, host?: string) => {
  const check = stack.topology.personas.find((p) => p.name === persona)!.health!;
  return probe(host === undefined ? check : { ...check, host }, { timeoutMs: 2000 });
};

describe('dr-drill of site-a at site-b from replica snapshots (examples/two-sites.yaml)', () => {
  it('rehearses on snapshots of the replicas in site-b bubbles; replication goes on untouched; RPO reported; everything cleaned up', async () => {
    const before = await untouched();
    const runId = await startThroughApi(api, 'dr-drill', { ...DRILL, holdSeconds: 15 });
    await copiesUp(runId, 2);

    // The copies run at site-b on the snapshots, in the bubble by site-b's ids, beside production.
    const b = arrays.array('array-b');
    for (const [machine, persona, vlans] of [
      ['m-b1-01', 'db-01', [3620, 3700]],
      ['m-b1-02', 'web-01', [3610]],
    ] as const) {
      expect(stack.lab.machine(machine).bootResult).toMatchObject({ healthy: true, persona });
      const spec = stack.topology.sites[1]!.machines.find((m) => m.id === machine)!;
      const ports = spec.nics
        .slice(0, vlans.length)
        .map((n) => stack.lab.switchView?.portState(n.switch, n.port)?.accessVlan);
      expect(ports).toEqual(vlans);
      const snapshots = REPLICAS.filter((r) => r.startsWith(persona)).map((r) =>
        snapshotOf(runId, r),
      );
      expect(stack.lab.sanView?.lunsVisibleTo('array-b', spec.storage.iqn!)).toEqual(snapshots);
      expect((await health(persona, '127.0.0.2')).healthy).toBe(true);
      expect((await health(persona)).healthy).toBe(true);
    }
    // Mid-drill: replication exactly as before, and the replicas keep receiving site-a's writes
    // while the snapshots keep the data they were taken with.
    expect(replicationState()).toEqual((before as { replication: unknown }).replication);
    const dbSnapshot = snapshotOf(runId, 'db-01-boot-r');
    expect(b.generation(dbSnapshot)).toBe(5);
    expect(b.generation(snapshotOf(runId, 'web-01-boot-r'))).toBe(0);
    expect(arrays.array('array-a').write('db-01-boot')).toBeUndefined();
    expect(b.generation('db-01-boot-r')).toBe(6);
    expect(b.generation(dbSnapshot)).toBe(5);

    const report = (await stack.temporal.client.workflow.getHandle(runId).result()) as DrillReport;
    expect(report.cleanup).toEqual({ outcome: 'clean', leftToFix: [] });
    expect(report.outcome).toBe('completed');
    const byName = new Map(report.personas.map((p) => [p.persona, p]));
    expect([byName.get('db-01')?.endedOn, byName.get('db-01')?.rpoSeconds]).toEqual(['m-b1-01', 0]);
    expect([byName.get('web-01')?.endedOn, byName.get('web-01')?.rpoSeconds]).toEqual([
      'm-b1-02',
      300,
    ]);
    // Per snapshot: the replica it copies, its data point (sync: when taken; async: up to the RPO
    // before), and the replica's state then.
    const snapshots = report.snapshots ?? [];
    expect(
      snapshots.map((s) => [s.persona, s.source.lun, s.replica.lun, s.snapshot, s.mode, s.link]),
    ).toEqual([
      [
        'db-01',
        'db-01-boot',
        'db-01-boot-r',
        snapshotOf(runId, 'db-01-boot-r'),
        'sync',
        'Connected',
      ],
      [
        'db-01',
        'db-01-data',
        'db-01-data-r',
        snapshotOf(runId, 'db-01-data-r'),
        'sync',
        'Connected',
      ],
      [
        'web-01',
        'web-01-boot',
        'web-01-boot-r',
        snapshotOf(runId, 'web-01-boot-r'),
        'async',
        'Connected',
      ],
    ]);
    for (const s of snapshots) {
      const lag = Date.parse(s.takenAt) - Date.parse(s.dataAsOf ?? '');
      expect([s.replica.lun, s.rpoSeconds, lag / 1000]).toEqual([
        s.replica.lun,
        s.mode === 'sync' ? 0 : 300,
        s.mode === 'sync' ? 0 : 300,
      ]);
    }

    // Afterwards: no snapshot left, every port, mask, power state, next boot, both ledgers and the
    // replication links as before; production and the evicted batch-01 answer.
    expect(REPLICAS.filter((r) => b.lunExists(snapshotOf(runId, r)))).toEqual([]);
    expect(await untouched()).toEqual(before);
    for (const persona of ['db-01', 'web-01', 'batch-01'])
      expect((await health(persona)).healthy).toBe(true);
    expect(arrays.array('array-a').write('db-01-boot')).toBeUndefined();
    expect(b.generation('db-01-boot-r')).toBe(arrays.array('array-a').generation('db-01-boot'));
    console.log(
      `two-site drill: RTO ${report.rtoSeconds} s (${report.personas.map((p) => `${p.persona} ${p.rtoSeconds}s rpo ${p.rpoSeconds}s`).join(', ')})`,
    );
  });

  it('cleans up when cancelled mid-drill: snapshots deleted, replication and lab as before', async () => {
    const before = await untouched();
    const runId = await startThroughApi(api, 'dr-drill', { ...DRILL, holdSeconds: 600 });
    await copiesUp(runId, 1);
    expect(arrays.array('array-b').lunExists(snapshotOf(runId, 'db-01-boot-r'))).toBe(true);
    const handle = stack.temporal.client.workflow.getHandle(runId);
    await handle.cancel();
    await expect(handle.result()).rejects.toThrow();
    expect(await backTo(before)).toEqual(before);
  });

  it('survives a SIGKILL of its worker mid-drill: a new worker finishes the same plan and cleans up; replication untouched', async () => {
    const before = await untouched();
    const runId = await startThroughApi(api, 'dr-drill', { ...DRILL, holdSeconds: 3 });
    // The kill comes once db-01's first replica snapshot exists: its copy is mid-way.
    const b = arrays.array('array-b');
    const first = snapshotOf(runId, 'db-01-boot-r');
    for (let i = 0; i < 3000 && !b.lunExists(first); i += 1)
      await new Promise((r) => setTimeout(r, 20));
    expect(b.lunExists(first)).toBe(true);
    const planBefore = (await progressOf(runId))?.plan;
    await worker.kill('SIGKILL');
    const killedAt = Date.now();
    worker = await workers.spawn();

    const report = (await stack.temporal.client.workflow.getHandle(runId).result()) as DrillReport;
    expect(report.plan).toEqual(planBefore);
    expect(report.personas.map((p) => [p.persona, p.outcome, p.endedOn, p.error?.message])).toEqual(
      [
        ['db-01', 'restored', 'm-b1-01', undefined],
        ['web-01', 'restored', 'm-b1-02', undefined],
      ],
    );
    expect(report.cleanup).toEqual({ outcome: 'clean', leftToFix: [] });
    expect((report.snapshots ?? []).map((s) => s.snapshot)).toEqual(
      REPLICAS.map((r) => snapshotOf(runId, r)),
    );
    await expectEachChildStartedOnce(stack, runId, report.plan!);
    expect(await backTo(before)).toEqual(before);
    for (const persona of ['db-01', 'web-01', 'batch-01'])
      expect((await health(persona)).healthy).toBe(true);
    console.log(
      `two-site drill crash: finished ${((Date.now() - killedAt) / 1000).toFixed(1)} s after the kill, drill RTO ${report.rtoSeconds} s`,
    );
  });
});
