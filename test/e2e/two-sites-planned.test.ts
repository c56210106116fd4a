import { WorkflowFailedError } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import { join } from 'node:path';
import type { LabArraysComponent } from '../../lab/san/start-lab-arrays';
import type { RunbookReport } from '../../workflows/runbook-report';
import type { FailoverReport } from '../../workflows/site-failover/failover-report';
import { TASK_QUEUE } from '../../worker/task-queue';
import { startFullStack, type FullStack } from '../support/full-stack';
import { until } from '../support/until';

jest.setTimeout(300_000);

const TWO_SITES = join(__dirname, '..', '..', 'examples', 'two-sites.yaml');
const HOMES = [
  ['db-01', 'm-a1-01'],
  ['web-01', 'm-a1-02'],
] as const;

let stack: FullStack;
let arrays: LabArraysComponent;

beforeAll(async () => {
  stack = await startFullStack({ source: TWO_SITES });
  arrays = stack.lab.components.find((c) => c.kind === 'arrays') as LabArraysComponent;
  for (const [persona, machine] of HOMES) {
    const home = (await stack.temporal.client.workflow.execute('repurpose', {
      taskQueue: TASK_QUEUE,
      workflowId: `repurpose/${persona}/home`,
      args: [{ persona, machine, healthTimeoutSeconds: 60 }],
    })) as RunbookReport;
    expect(home.endedOn).toBe(machine);
  }
});

afterAll(async () => {
  await stack?.stop();
});

async function siteReplication(site: string, reachable: boolean): Promise<void> {
  const r = await fetch(`${stack.lab.controlUrl}/lab/sites/${site}/replication`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ reachable }),
  });
  expect(r.status).toBe(200);
}

const planned = (workflowId: string): Promise<FailoverReport> =>
  stack.temporal.client.workflow.execute('siteFailover', {
    taskQueue: TASK_QUEUE,
    workflowId,
    args: [
      {
        site: 'site-a',
        targetSites: ['site-b'],
        mode: 'planned',
        graceSeconds: 30,
        syncTimeoutSeconds: 60,
        healthTimeoutSeconds: 120,
        powerTimeoutSeconds: 60,
      },
    ],
  }) as Promise<FailoverReport>;

/** Each persona runs at home, healthy, on its primary LUNs at site-a. */
async function runningAtHome(): Promise<void> {
  const a = await stack.ledger.snapshot('site-a');
  for (const [persona, machine] of HOMES) {
    expect(a.placements[persona]).toEqual({ kind: 'machine', machine });
    expect(stack.lab.machine(machine).powerState).toBe('on');
    expect(stack.lab.machine(machine).bootResult).toMatchObject({ healthy: true, persona });
  }
  expect((await stack.ledger.snapshot('site-b')).placements['db-01']).toBeUndefined();
}

describe('planned failover of site-a to site-b, site-a up (SRM planned migration, examples/two-sites.yaml)', () => {
  it('refuses, naming each replica, when a replica cannot take a final sync; nothing is stopped', async () => {
    await siteReplication('site-a', false);
    const failure = await planned('site-failover/site-a/planned-refused').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const cause = (failure as WorkflowFailedError).cause as { type?: string; message: string };
    expect(cause.type).toBe('ReplicaNotInSyncError');
    for (const lun of ['db-01-boot-r', 'db-01-data-r', 'web-01-boot-r'])
      expect(cause.message).toContain(`${lun} on array-b`);
    await runningAtHome();
    await siteReplication('site-a', true);
  });

  it('a cross-site repurpose whose replica cannot sync waits, refuses, and is undone: it runs at home again', async () => {
    await siteReplication('site-a', false);
    const failure = await stack.temporal.client.workflow
      .execute('repurpose', {
        taskQueue: TASK_QUEUE,
        workflowId: 'repurpose/web-01/to-site-b-unsynced',
        args: [
          {
            persona: 'web-01',
            sites: ['site-b'],
            evictGraceSeconds: 30,
            syncTimeoutSeconds: 5,
            healthTimeoutSeconds: 60,
            powerTimeoutSeconds: 60,
          },
        ],
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const cause = (failure as WorkflowFailedError).cause as ApplicationFailure;
    expect(cause.type).toBe('ReplicaNotInSyncError');
    expect(cause.message).toMatch(
      /web-01-boot-r on array-b: Consistent, Connecting; it is not moved/,
    );
    const report = cause.details?.[0] as RunbookReport;
    // It had stopped web-01 at home before the final sync; every undo ran.
    expect(report.steps.map((s) => s.name)).toEqual(
      expect.arrayContaining(['stop-source', 'unmask-source', 'final-sync']),
    );
    expect(report.steps.map((s) => s.name)).not.toContain('switchover');
    expect(report.leftToFix).toEqual([]);
    const a = arrays.array('array-a');
    expect(a.write('web-01-boot')).toBeUndefined();
    await until(
      'web-01 healthy at home again',
      () => stack.lab.machine('m-a1-02').bootResult?.healthy === true,
      60_000,
    );
    await runningAtHome();
    await siteReplication('site-a', true);
  });

  it('shuts the personas down cleanly, syncs every replica (the async one too), promotes them and runs them at site-b: RPO 0', async () => {
    const a = arrays.array('array-a');
    const b = arrays.array('array-b');
    // Writes at home: the sync replicas follow each one; the async one lags (300 s RPO).
    for (let i = 0; i < 3; i += 1) {
      expect(a.write('db-01-data')).toBeUndefined();
      expect(a.write('web-01-boot')).toBeUndefined();
    }
    expect(b.generation('db-01-data-r')).toBe(a.generation('db-01-data'));
    expect(b.generation('web-01-boot-r')).toBeLessThan(a.generation('web-01-boot'));
    const written = { db: a.generation('db-01-data'), web: a.generation('web-01-boot') };
    const soft = HOMES.map(([, m]) => stack.lab.machine(m).count('soft'));

    const report = await planned('site-failover/site-a/planned');
    expect(
      report.personas
        .filter((p) => p.outcome !== 'restored')
        .map((p) => `${p.persona}: ${p.error?.message ?? p.reason}`),
    ).toEqual([]);
    expect(report).toMatchObject({ mode: 'planned', outcome: 'completed' });

    // Each home machine was shut down through its BMC (soft-off), not fenced, and is off.
    HOMES.forEach(([, m], i) => {
      expect(stack.lab.machine(m).count('soft')).toBe(soft[i]! + 1);
      expect(stack.lab.machine(m).powerState).toBe('off');
    });
    const byName = new Map(report.personas.map((p) => [p.persona, p]));
    for (const [persona] of HOMES) {
      const p = byName.get(persona)!;
      expect(p.rpoSeconds).toBe(0);
      const steps = p.steps.map((s) => s.name);
      expect(steps).not.toContain('fence-source');
      // Stopped and unmasked at home, then the final sync, then promoted, then booted at site-b.
      const order: Array<[string, string]> = [
        ['stop-source', 'final-sync'],
        ['unmask-source', 'final-sync'],
        ['final-sync', 'switchover'],
        ['switchover', 'power-on'],
      ];
      for (const [before, after] of order)
        expect(steps.indexOf(before)).toBeLessThan(steps.indexOf(after));
      expect(steps.indexOf('stop-source')).toBeGreaterThanOrEqual(0);
      const machine = p.endedOn!;
      expect(stack.topology.sites[1]!.machines.map((m) => m.id)).toContain(machine);
      expect(stack.lab.machine(machine).bootResult).toMatchObject({ healthy: true, persona });
    }
    // Every write made at home is at site-b: the async replica got its final sync.
    expect(b.generation('db-01-data-r')).toBe(written.db);
    expect(b.generation('web-01-boot-r')).toBe(written.web);
    // Site-b's replicas are primary and take writes; site-a's LUNs are the read-only side now.
    expect(b.write('web-01-boot-r')).toBeUndefined();
    expect(a.write('web-01-boot')).toMatch(/Wrong medium type/);
    // The pairs run the other way now: a write at site-b reaches site-a's sync side at once.
    expect(b.write('db-01-data-r')).toBeUndefined();
    expect(a.generation('db-01-data')).toBe(written.db + 1);

    // Each ledger says it: site-b places the personas, site-a places them nowhere and records its
    // machines idle and off (a clean stop, not a fence).
    const home = await stack.ledger.snapshot('site-a');
    const away = await stack.ledger.snapshot('site-b');
    for (const [persona, machine] of HOMES) {
      expect(away.placements[persona]).toEqual({
        kind: 'machine',
        machine: byName.get(persona)!.endedOn,
      });
      expect(home.placements[persona]).toEqual({ kind: 'none' });
      expect(home.machines[machine]).toMatchObject({ power: 'off', role: 'idle' });
      expect(away.machines[machine]).toBeUndefined();
    }
    expect(Object.values(home.leases)).toEqual([]);
    expect(Object.values(away.leases)).toEqual([]);
  });
});
