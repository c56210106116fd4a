import { join } from 'node:path';
import type { LabArraysComponent } from '../../lab/san/start-lab-arrays';
import { TASK_QUEUE } from '../../worker/task-queue';
import type { FailbackReport } from '../../workflows/failback/failback-report';
import type { RunbookReport } from '../../workflows/runbook-report';
import type { FailoverReport } from '../../workflows/site-failover/failover-report';
import type { FullStack } from './full-stack';
import { ROOT } from './lab-fixtures';
import { ledgerLabDisagreements } from './ledger-lab-check';

/** examples/two-sites.yaml: site-a runs db-01 (sync replicas) and web-01 (async, 300 s). */
export const TWO_SITES = join(ROOT, 'examples', 'two-sites.yaml');

/** The personas site-a runs, their home machines, and their VLAN ids at site-b (nic order). */
export const AT_SITE_A = [
  { persona: 'db-01', home: 'm-a1-01', vlansAtB: [1120, 1200] },
  { persona: 'web-01', home: 'm-a1-02', vlansAtB: [1110] },
] as const;

export const arraysOf = (stack: FullStack): LabArraysComponent =>
  stack.lab.components.find((c) => c.kind === 'arrays') as LabArraysComponent;

const machineSpec = (stack: FullStack, id: string) =>
  stack.topology.sites.flatMap((s) => s.machines).find((m) => m.id === id)!;

/**
 * Every persona running at home, as `rackshift dev` seeds it: db-01 and web-01 at site-a, batch-01
 * (repurposable, priority 5) at site-b. Then each site-a persona writes five times at home.
 */
export async function seedHomes(stack: FullStack, tag: string): Promise<void> {
  for (const [persona, machine] of [
    ['db-01', 'm-a1-01'],
    ['web-01', 'm-a1-02'],
    ['batch-01', 'm-b1-02'],
  ] as const) {
    const home = (await stack.temporal.client.workflow.execute('repurpose', {
      taskQueue: TASK_QUEUE,
      workflowId: `repurpose/${persona}/${tag}-home`,
      args: [{ persona, machine, healthTimeoutSeconds: 60 }],
    })) as RunbookReport;
    expect([persona, home.endedOn]).toEqual([persona, machine]);
  }
  const a = arraysOf(stack).array('array-a');
  for (let i = 0; i < 5; i += 1)
    for (const lun of ['db-01-boot', 'db-01-data', 'web-01-boot'])
      expect(a.write(lun)).toBe(undefined);
}

/**
 * `POST /lab/faults {"fault":"dark-site"}` as an operator's `rackshift lab fault dark-site` sends
 * it: site-a's BMCs, OSes and array stop answering and its replication links break (or all come
 * back). Returns the site's machines.
 */
export async function darkSite(stack: FullStack, site: string, on: boolean): Promise<string[]> {
  const res = await fetch(`${stack.lab.controlUrl}/lab/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ fault: 'dark-site', site, on }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { machines: string[] }).machines;
}

interface DrbdSide {
  readonly role: string;
  readonly disk: string;
  readonly connected: boolean;
}

/** A replicated LUN's DRBD side as the lab array holds it. */
export function drbdSide(stack: FullStack, array: string, lun: string): DrbdSide | undefined {
  const state = stack.lab.describe() as {
    arrays: Record<string, { luns: Record<string, { drbd?: DrbdSide }> }>;
  };
  return state.arrays[array]?.luns[lun]?.drbd;
}

/** The iPXE script the API serves to a MAC, as a booting lab machine fetches it. */
async function bootScript(stack: FullStack, mac: string): Promise<string> {
  return (await fetch(`${stack.api.url}/boot/ipxe?mac=${encodeURIComponent(mac)}`)).text();
}

/**
 * The ledgers of both sites and the lab agree on every machine, port, LUN mask and boot
 * assignment (per site: site-b's VLAN ids and replicas for what runs there).
 */
export async function expectLedgersAgreeWithLab(stack: FullStack): Promise<void> {
  const ledgers = [await stack.ledger.snapshot('site-a'), await stack.ledger.snapshot('site-b')];
  expect(ledgerLabDisagreements(stack.lab, stack.topology, ledgers)).toEqual([]);
  expect(ledgers.flatMap((l) => Object.values(l.leases))).toEqual([]);
}

/**
 * What a cross-site failover of site-a must leave, read from the lab and the ledgers: db-01 and
 * web-01 each run healthy on a site-b machine, booted through the API from array-b (the promoted
 * replicas, read-write now), their ports on site-b's VLAN ids, only their replicas masked to that
 * machine; exactly one ledger (site-b's) places each; batch-01, evicted, runs nowhere; site-a's
 * machines are dark and recorded so. Returns persona → the site-b machine.
 */
export async function expectRunningAtSiteB(
  stack: FullStack,
  report: FailoverReport,
): Promise<Map<string, string>> {
  const at = new Map<string, string>();
  const b = arraysOf(stack).array('array-b');
  const ledgerA = await stack.ledger.snapshot('site-a');
  const ledgerB = await stack.ledger.snapshot('site-b');
  for (const { persona, home, vlansAtB } of AT_SITE_A) {
    const outcome = report.personas.find((p) => p.persona === persona);
    expect([persona, outcome?.outcome, outcome?.error?.message]).toEqual([
      persona,
      'restored',
      undefined,
    ]);
    const machine = outcome!.endedOn!;
    at.set(persona, machine);
    const spec = machineSpec(stack, machine);
    expect([persona, stack.lab.index.machineSite(machine).name]).toEqual([persona, 'site-b']);
    expect(stack.lab.machine(machine).bootResult).toMatchObject({ healthy: true, persona });
    expect(
      spec.nics
        .slice(0, vlansAtB.length)
        .map((n) => stack.lab.switchView?.portState(n.switch, n.port)?.accessVlan),
    ).toEqual([...vlansAtB]);
    const replicas = stack.topology.replication
      .filter((r) => r.source.lun.startsWith(persona))
      .map((r) => r.replica.lun);
    expect(stack.lab.sanView?.lunsVisibleTo('array-b', spec.storage.iqn!)).toEqual(replicas);
    for (const lun of replicas) expect(drbdSide(stack, 'array-b', lun)?.role).toBe('Primary');
    const script = await bootScript(stack, spec.nics[0]!.mac);
    expect(script).toContain('iqn.2026-11.lab.rackshift:array-b');
    expect(script).not.toContain('array-a');
    expect(ledgerB.placements[persona]).toEqual({ kind: 'machine', machine });
    expect(ledgerA.placements[persona]).toEqual({ kind: 'none' });
    expect(ledgerA.machines[home]).toMatchObject({ power: 'unknown', healthy: false });
    expect(stack.lab.machine(home).dark).toBe(true);
  }
  expect(new Set(at.values()).size).toBe(AT_SITE_A.length);
  expect(b.write('db-01-boot-r')).toBe(undefined);
  expect(ledgerB.placements['batch-01']).toEqual({ kind: 'none' });
  // The ledgers and the lab agree but for one thing on each dark site-a machine: the masks the
  // dark array-a could not take away (each persona's run says it left them to do by hand). Its
  // MACs' boot assignments are cleared in site-a's own ledger, where the move leased it.
  for (const { persona } of AT_SITE_A)
    expect([
      persona,
      report.personas
        .find((p) => p.persona === persona)!
        .steps.filter((x) => x.name === 'fence-source-by-hand')
        .map((x) => x.outcome),
    ]).toEqual([persona, ['skipped']]);
  const ledgers = [ledgerA, ledgerB];
  expect(ledgerLabDisagreements(stack.lab, stack.topology, ledgers)).toEqual(
    AT_SITE_A.flatMap(({ persona, home }) => {
      const spec = machineSpec(stack, home);
      const luns = stack.topology.replication
        .filter((r) => r.source.lun.startsWith(persona))
        .map((r) => `array-a/${r.source.lun}`);
      return [
        `${home}: sees ${luns.join(', ')} through ${spec.storage.iqn}, but nothing runs there`,
      ];
    }),
  );
  expect(ledgers.flatMap((l) => Object.values(l.leases))).toEqual([]);
  return at;
}

/**
 * Failback of a cross-site failover run through the API as an operator starts it; the failback's
 * workflow id.
 */
export function failbackInput(failoverRun: string): Record<string, unknown> {
  return { run: failoverRun, graceSeconds: 5, healthTimeoutSeconds: 120, powerTimeoutSeconds: 60 };
}

/**
 * Each site-a persona came home after reprotect: its report's steps reverse replication (stop
 * away, reprotect, in sync, switch over) before the move home starts.
 */
export function expectReprotectedBeforeMove(report: FailbackReport): void {
  for (const { persona, home } of AT_SITE_A) {
    const p = report.personas.find((x) => x.persona === persona);
    expect([persona, p?.outcome, p?.to, p?.error?.message]).toEqual([
      persona,
      'returned',
      home,
      undefined,
    ]);
  }
  expect(report.outcome).toBe('completed');
}

/**
 * Everything home: db-01 and web-01 on their site-a machines from array-a's LUNs (primary again,
 * holding what was written at site-b), site-a's VLAN ids; replication site-a → site-b again (the
 * replicas secondary and connected, a write at home reaching the sync replica); batch-01 on its
 * home at site-b; one ledger places each; the ledgers and the lab agree everywhere.
 */
export async function expectEverythingHome(
  stack: FullStack,
  newestAtB: Readonly<Record<string, number>>,
): Promise<void> {
  const a = arraysOf(stack).array('array-a');
  const b = arraysOf(stack).array('array-b');
  const ledgerA = await stack.ledger.snapshot('site-a');
  const ledgerB = await stack.ledger.snapshot('site-b');
  for (const { persona, home } of AT_SITE_A) {
    expect(stack.lab.machine(home).bootResult).toMatchObject({ healthy: true, persona });
    expect(ledgerA.placements[persona]).toEqual({ kind: 'machine', machine: home });
    expect(ledgerB.placements[persona]).toEqual({ kind: 'none' });
    const mine = stack.topology.replication.filter((r) => r.source.lun.startsWith(persona));
    expect(
      stack.lab.sanView?.lunsVisibleTo('array-a', machineSpec(stack, home).storage.iqn!),
    ).toEqual(mine.map((r) => r.source.lun));
    for (const r of mine) {
      expect([r.source.lun, drbdSide(stack, 'array-a', r.source.lun)]).toEqual([
        r.source.lun,
        { role: 'Primary', disk: 'UpToDate', connected: true, resource: r.source.lun },
      ]);
      expect([r.replica.lun, drbdSide(stack, 'array-b', r.replica.lun)?.role]).toEqual([
        r.replica.lun,
        'Secondary',
      ]);
      // Home holds at least what was written away (the sync replicas exactly that).
      expect(a.generation(r.source.lun)).toBeGreaterThanOrEqual(newestAtB[r.replica.lun] ?? 0);
    }
    const script = await bootScript(stack, machineSpec(stack, home).nics[0]!.mac);
    expect(script).toContain('iqn.2026-11.lab.rackshift:array-a');
  }
  expect({ boot: a.generation('db-01-boot'), data: a.generation('db-01-data') }).toEqual({
    boot: newestAtB['db-01-boot-r'],
    data: newestAtB['db-01-data-r'],
  });
  // Replication runs from site-a again: a write at home reaches the sync replica at once, and a
  // replica refuses writes.
  expect(a.write('db-01-boot')).toBe(undefined);
  expect(b.generation('db-01-boot-r')).toBe(a.generation('db-01-boot'));
  expect(b.write('db-01-boot-r')).toMatch(/Wrong medium type/);
  expect(stack.lab.machine('m-b1-02').bootResult).toMatchObject({
    healthy: true,
    persona: 'batch-01',
  });
  expect(ledgerB.placements['batch-01']).toEqual({ kind: 'machine', machine: 'm-b1-02' });
  await expectLedgersAgreeWithLab(stack);
}
