import { join } from 'node:path';
import type { LabArraysComponent } from '../../lab/san/start-lab-arrays';
import type { FailbackReport } from '../../workflows/failback/failback-report';
import type { RunbookReport } from '../../workflows/runbook-report';
import type { FailoverReport } from '../../workflows/site-failover/failover-report';
import { TASK_QUEUE } from '../../worker/task-queue';
import { startFullStack, type FullStack } from '../support/full-stack';

jest.setTimeout(300_000);

const TWO_SITES = join(__dirname, '..', '..', 'examples', 'two-sites.yaml');

let stack: FullStack;
let arrays: LabArraysComponent;

beforeAll(async () => {
  stack = await startFullStack({ source: TWO_SITES });
  arrays = stack.lab.components.find((c) => c.kind === 'arrays') as LabArraysComponent;
});

afterAll(async () => {
  await stack?.stop();
});

const iqnOf = (machine: string): string =>
  stack.topology.sites.flatMap((s) => s.machines).find((m) => m.id === machine)!.storage.iqn!;

async function siteReplication(site: string, reachable: boolean): Promise<void> {
  const r = await fetch(`${stack.lab.controlUrl}/lab/sites/${site}/replication`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ reachable }),
  });
  expect(r.status).toBe(200);
}

describe('two sites: site-a lost, its personas run at site-b from promoted replicas (examples/two-sites.yaml)', () => {
  it('restores db-01 (sync replicas) and web-01 (async, 300 s RPO) at site-b with site-b VLANs, RPO reported', async () => {
    for (const [persona, machine] of [
      ['db-01', 'm-a1-01'],
      ['web-01', 'm-a1-02'],
    ] as const) {
      const home = (await stack.temporal.client.workflow.execute('repurpose', {
        taskQueue: TASK_QUEUE,
        workflowId: `repurpose/${persona}/home`,
        args: [{ persona, machine, healthTimeoutSeconds: 60 }],
      })) as RunbookReport;
      expect(home.endedOn).toBe(machine);
    }
    // The personas write at home (the lab's LUN contents are versions): sync replicas follow every
    // write, the async one only at its next sync, 300 s after the link came up.
    const a = arrays.array('array-a');
    const b = arrays.array('array-b');
    for (let i = 0; i < 5; i += 1) {
      expect(a.write('db-01-boot')).toBeUndefined();
      expect(a.write('db-01-data')).toBeUndefined();
      expect(a.write('web-01-boot')).toBeUndefined();
    }
    expect(b.generation('db-01-data-r')).toBe(5);
    expect(b.generation('web-01-boot-r')).toBe(0);

    // Site a goes dark: its machines, and its array's replication links.
    const burned = stack.lab.burnRack('a1');
    expect(burned.sort()).toEqual(['m-a1-01', 'm-a1-02']);
    await siteReplication('site-a', false);

    const report = (await stack.temporal.client.workflow.execute('siteFailover', {
      taskQueue: TASK_QUEUE,
      workflowId: 'site-failover/two-sites/site-a',
      args: [
        {
          site: 'site-a',
          targetSites: ['site-b'],
          healthTimeoutSeconds: 120,
          powerTimeoutSeconds: 60,
        },
      ],
    })) as FailoverReport;

    expect(
      report.personas
        .filter((p) => p.outcome !== 'restored')
        .map((p) => `${p.persona}: ${p.error?.message ?? p.reason}`),
    ).toEqual([]);
    expect(report.outcome).toBe('completed');
    expect(report.failedMachines).toEqual(['m-a1-01', 'm-a1-02']);

    // Every replica was promoted before the moves; the async one by force, as of its last sync.
    expect(
      (report.replicas ?? []).map((r) => [r.replica.lun, r.mode, r.rpoSeconds, r.forced]),
    ).toEqual([
      ['db-01-boot-r', 'sync', 0, false],
      ['db-01-data-r', 'sync', 0, false],
      ['web-01-boot-r', 'async', 300, true],
    ]);
    const byName = new Map(report.personas.map((p) => [p.persona, p]));
    expect(byName.get('db-01')?.rpoSeconds).toBe(0);
    expect(byName.get('web-01')?.rpoSeconds).toBe(300);
    expect(b.generation('db-01-boot-r')).toBe(5);
    expect(b.generation('web-01-boot-r')).toBe(0);

    // Each runs on a site-b machine, booted from its replicas there, its ports on site-b's VLANs.
    for (const [persona, vlans] of [
      ['db-01', [1120, 1200]],
      ['web-01', [1110]],
    ] as const) {
      const machine = byName.get(persona)?.endedOn ?? '';
      const spec = stack.topology.sites[1]!.machines.find((m) => m.id === machine);
      expect(spec).toBeDefined();
      expect(stack.lab.machine(machine).bootResult).toMatchObject({ healthy: true, persona });
      const ports = spec!.nics
        .slice(0, vlans.length)
        .map((n) => stack.lab.switchView?.portState(n.switch, n.port)?.accessVlan);
      expect(ports).toEqual(vlans);
      const replicas = stack.topology.replication
        .filter((r) => r.source.lun.startsWith(persona))
        .map((r) => r.replica.lun);
      expect(stack.lab.sanView?.lunsVisibleTo('array-b', iqnOf(machine))).toEqual(replicas);
    }
    // The replicas are primary at site b now, and take the personas' writes there.
    expect(b.write('web-01-boot-r')).toBeUndefined();
    const ledger = await stack.ledger.snapshot('site-b');
    expect(ledger.placements['db-01']).toEqual({
      kind: 'machine',
      machine: byName.get('db-01')?.endedOn,
    });

    // Exactly one ledger places each persona: the move cleared site-a's placement on the burned
    // machine (explicitly none, not "never placed", which would read as "at its resting machine").
    const home = await stack.ledger.snapshot('site-a');
    for (const persona of ['db-01', 'web-01']) {
      expect(home.placements[persona]).toEqual({ kind: 'none' });
      expect(ledger.placements[persona]).toMatchObject({ kind: 'machine' });
    }
    expect(Object.values(home.leases)).toEqual([]);
    // Each burned machine is recorded failed and parked in ITS site's ledger (site-a), where its
    // MACs no longer boot the persona; site-b's ledger holds no record or lease of a site-a one.
    const macsOf = (m: string): string[] =>
      stack.topology.sites[0]!.machines.find((x) => x.id === m)!.nics.map((n) => n.mac);
    for (const burnedMachine of ['m-a1-01', 'm-a1-02']) {
      expect(home.machines[burnedMachine]).toMatchObject({
        power: 'unknown',
        role: 'idle',
        healthy: false,
      });
      for (const mac of macsOf(burnedMachine)) expect(home.bootAssignments[mac]).toBeUndefined();
      expect(ledger.machines[burnedMachine]).toBeUndefined();
    }
    expect(Object.values(ledger.leases)).toEqual([]);

    // So release finds the persona at one site, and stops it there.
    const released = (await stack.temporal.client.workflow.execute('release', {
      taskQueue: TASK_QUEUE,
      workflowId: 'release/web-01/away',
      args: [{ persona: 'web-01', graceSeconds: 5, powerTimeoutSeconds: 60 }],
    })) as RunbookReport;
    expect(released.outcome).toBe('completed');
    const away = byName.get('web-01')?.endedOn ?? '';
    expect(stack.lab.sanView?.lunsVisibleTo('array-b', iqnOf(away))).toEqual([]);
    expect((await stack.ledger.snapshot('site-b')).placements['web-01']).toEqual({ kind: 'none' });
  });

  // Continues from the failover above: db-01 runs at site-b.
  it('fails db-01 back home after reprotect: site-a boots the data written at site-b', async () => {
    const a = arrays.array('array-a');
    const b = arrays.array('array-b');
    // db-01 writes at site-b; site-a's LUNs still hold generation 5 and are primary on their side.
    expect(b.write('db-01-boot-r')).toBeUndefined();
    expect(b.write('db-01-boot-r')).toBeUndefined();
    expect(b.write('db-01-data-r')).toBeUndefined();
    const newest = { boot: b.generation('db-01-boot-r'), data: b.generation('db-01-data-r') };
    expect(newest).toEqual({ boot: 7, data: 6 });
    expect(a.generation('db-01-boot')).toBe(5);

    // Site a is repaired: machines answer (off), the links come back in split brain.
    for (const m of ['m-a1-01', 'm-a1-02']) stack.lab.machine(m).setDark(false);
    await siteReplication('site-a', true);

    const report = (await stack.temporal.client.workflow.execute('failback', {
      taskQueue: TASK_QUEUE,
      workflowId: 'failback/two-sites/db-01',
      args: [
        {
          personas: ['db-01'],
          graceSeconds: 5,
          healthTimeoutSeconds: 120,
          powerTimeoutSeconds: 60,
        },
      ],
    })) as FailbackReport;
    const [db] = report.personas;
    expect([db?.outcome, db?.to, db?.error?.message]).toEqual(['returned', 'm-a1-01', undefined]);

    // Home holds and booted the newest data, and is primary again; site-b is the read-only side.
    expect({ boot: a.generation('db-01-boot'), data: a.generation('db-01-data') }).toEqual(newest);
    expect(stack.lab.machine('m-a1-01').bootResult).toMatchObject({
      healthy: true,
      persona: 'db-01',
    });
    expect(a.write('db-01-boot')).toBeUndefined();
    expect(b.generation('db-01-boot-r')).toBe(newest.boot + 1);
    expect(b.write('db-01-boot-r')).toMatch(/Wrong medium type/);
    // One ledger places it: at home.
    expect((await stack.ledger.snapshot('site-a')).placements['db-01']).toEqual({
      kind: 'machine',
      machine: 'm-a1-01',
    });
    expect((await stack.ledger.snapshot('site-b')).placements['db-01']).toEqual({ kind: 'none' });
  });
});
