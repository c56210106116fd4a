import { join } from 'node:path';
import { probe } from '../../drivers/health/health-probe';
import { TASK_QUEUE } from '../../worker/task-queue';
import type { DrillReport } from '../../workflows/dr-drill/drill-report';
import { progressQuery, type RunProgress } from '../../workflows/run-journal';
import type { RunbookReport } from '../../workflows/runbook-report';
import { startFullStack, type FullStack } from '../support/full-stack';
import { ROOT } from '../support/lab-fixtures';
import { bubbleOf } from '../support/drill-bubble';
import { labHardwareState, labNextBoot } from '../support/lab-snapshot';
import { ledgerFacts } from '../support/ledger-state';
import { stackApi, startThroughApi } from '../support/stack-api';

jest.setTimeout(600_000);

const RACK_FIRE = join(ROOT, 'examples', 'rack-fire.yaml');
let DRILL: Record<string, unknown>;
const DRILL_BASE = {
  racks: ['r1'],
  healthHost: '127.0.0.2',
  healthTimeoutSeconds: 60,
  powerTimeoutSeconds: 60,
};

let stack: FullStack;

beforeAll(async () => {
  stack = await startFullStack({ source: RACK_FIRE });
  DRILL = { ...DRILL_BASE, bubble: bubbleOf(stack.topology) };
  // Production before the drill: db-01 runs at home, its LUNs masked to m-r1-01.
  const home = (await stack.temporal.client.workflow.execute('repurpose', {
    taskQueue: TASK_QUEUE,
    workflowId: 'repurpose/db-01/drill-setup',
    args: [{ persona: 'db-01', machine: 'm-r1-01', healthTimeoutSeconds: 60 }],
  })) as RunbookReport;
  expect(home.endedOn).toBe('m-r1-01');
});

afterAll(async () => {
  await stack?.stop();
});

const api = stackApi(() => stack);
const startDrill = (input: Record<string, unknown>) => startThroughApi(api, 'dr-drill', input);

const dbHealth = () => stack.topology.personas.find((p) => p.name === 'db-01')!.health!;

describe('dr-drill in the lab (examples/rack-fire.yaml, rack r1 pretended lost)', () => {
  it('refuses a bubble VLAN that is a production VLAN, naming the field, and starts nothing', async () => {
    const res = await api('/api/v1/runbooks/dr-drill/runs', {
      method: 'POST',
      body: JSON.stringify({ input: { ...DRILL, bubble: [{ network: 'prod-db', vlan: 120 }] } }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { details: { path: string; message: string }[] } };
    expect(body.error.details).toContainEqual({
      path: 'input.bubble[0].vlan',
      message: 'VLAN 120 is production network prod-db; a bubble VLAN must be isolated',
    });
  });

  it('rehearses on spares only, beside running production, and leaves production byte-for-byte as it was', async () => {
    const before = labHardwareState(stack.lab);
    const bootBefore = labNextBoot(stack.lab);
    const ledgerBefore = ledgerFacts(await stack.ledger.snapshot('dc1'));
    const runId = await startDrill({ ...DRILL, holdSeconds: 3 });
    const handle = stack.temporal.client.workflow.getHandle(runId);

    // While db-01's copy is up: production still answers at its own address, the copy at the
    // bubble's.
    let sawBoth = false;
    for (let i = 0; i < 600 && !sawBoth; i += 1) {
      const p = (await handle.query(progressQuery).catch(() => undefined)) as
        | RunProgress
        | undefined;
      const db = (p?.report as DrillReport | undefined)?.personas.find(
        (x) => x.persona === 'db-01',
      );
      if (db?.outcome === 'restored') {
        const [prod, copy] = await Promise.all([
          probe(dbHealth(), { timeoutMs: 2000 }),
          probe({ ...dbHealth(), host: '127.0.0.2' }, { timeoutMs: 2000 }),
        ]);
        expect(prod.healthy).toBe(true);
        expect(copy.healthy).toBe(true);
        // The production LUNs are still seen by m-r1-01 alone: the copy runs on clones.
        expect(labHardwareState(stack.lab).masks['array-1']!['db-01-boot']).toEqual(
          before.masks['array-1']!['db-01-boot'],
        );
        sawBoth = true;
      } else {
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    const report = (await handle.result()) as DrillReport;
    expect(sawBoth).toBe(true);
    expect(report).toMatchObject({
      runbook: 'dr-drill',
      mode: 'drill',
      cleanup: { outcome: 'clean', leftToFix: [] },
    });
    const spares = stack.topology.sites[0]!.machines.filter((m) => m.pool === 'spare').map(
      (m) => m.id,
    );
    const restored = report.personas.filter((p) => p.outcome === 'restored');
    expect(restored.length).toBeGreaterThanOrEqual(4);
    for (const p of restored) {
      expect(spares).toContain(p.endedOn);
      expect(p.rtoSeconds).toBeGreaterThan(0);
    }
    expect(report.plan!.evictions).toEqual([]);
    expect(report.plan!.hypervisorHosts).toEqual([]);
    expect(report.personas.filter((p) => p.outcome === 'failed')).toEqual([]);
    expect(report.rtoSeconds).toBe(Math.max(...restored.map((p) => p.rtoSeconds!)));

    // The lab after: every switch config, LUN mask (no clone left), power state and next boot
    // device as before; the ledger too.
    expect(labHardwareState(stack.lab)).toEqual(before);
    expect(labNextBoot(stack.lab)).toEqual(bootBefore);
    expect(ledgerFacts(await stack.ledger.snapshot('dc1'))).toEqual(ledgerBefore);
    expect((await probe(dbHealth(), { timeoutMs: 2000 })).healthy).toBe(true);
    console.log(
      `dr-drill of rack r1: ${restored.length} copies up on spares, drill RTO ${report.rtoSeconds} s, groups ${report.groups.map((g) => `p${g.priority}=${g.rtoSeconds ?? '-'}s`).join(' ')}; lab and ledger unchanged`,
    );
  });

  it('with allowRepurpose, evicted occupants (IPMI ones too) answer their health checks again before the clean-up says clean; every machine is as it was', async () => {
    // Two occupants on IPMI machines (ipmi_sim keeps one-time boot overrides only), evicted first
    // as the lowest priority.
    for (const [persona, machine] of [
      ['batch-01', 'm-r2-05'],
      ['batch-02', 'm-r3-02'],
    ] as const) {
      const home = (await stack.temporal.client.workflow.execute('repurpose', {
        taskQueue: TASK_QUEUE,
        workflowId: `repurpose/${persona}/drill-setup`,
        args: [{ persona, machine, healthTimeoutSeconds: 60 }],
      })) as RunbookReport;
      expect(home.endedOn).toBe(machine);
    }
    const health = (name: string) =>
      probe(stack.topology.personas.find((p) => p.name === name)!.health!, { timeoutMs: 2000 });
    const before = { ...labHardwareState(stack.lab), nextBoot: labNextBoot(stack.lab) };
    const ledgerBefore = ledgerFacts(await stack.ledger.snapshot('dc1'));
    const runId = await startDrill({ ...DRILL, allowRepurpose: true });
    const report = (await stack.temporal.client.workflow.getHandle(runId).result()) as DrillReport;

    const evicted = (report.evictions ?? [])
      .filter((e) => e.outcome === 'evicted')
      .map((e) => e.occupant);
    expect(evicted).toEqual(expect.arrayContaining(['batch-01', 'batch-02']));
    expect(report.cleanup).toEqual({ outcome: 'clean', leftToFix: [] });
    for (const occupant of ['batch-01', 'batch-02'])
      expect((await health(occupant)).healthy).toBe(true);
    expect({ ...labHardwareState(stack.lab), nextBoot: labNextBoot(stack.lab) }).toEqual(before);
    expect(ledgerFacts(await stack.ledger.snapshot('dc1'))).toEqual(ledgerBefore);
  });

  it('cleans up when cancelled mid-drill: the lab returns to what it was', async () => {
    const before = labHardwareState(stack.lab);
    const runId = await startDrill({ ...DRILL, holdSeconds: 600 });
    const handle = stack.temporal.client.workflow.getHandle(runId);
    for (let i = 0; i < 600; i += 1) {
      const p = (await handle.query(progressQuery).catch(() => undefined)) as
        | RunProgress
        | undefined;
      if (
        ((p?.report as DrillReport | undefined)?.personas ?? []).some(
          (x) => x.outcome === 'restored',
        )
      )
        break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(labHardwareState(stack.lab)).not.toEqual(before);
    await handle.cancel();
    await expect(handle.result()).rejects.toThrow();
    // The copies undo themselves after the drill ends; wait for them.
    const deadline = Date.now() + 120_000;
    while (
      Date.now() < deadline &&
      JSON.stringify(labHardwareState(stack.lab)) !== JSON.stringify(before)
    )
      await new Promise((r) => setTimeout(r, 500));
    expect(labHardwareState(stack.lab)).toEqual(before);
  });

  it('a schedule fires a real drill; its report is listed with its RTO', async () => {
    const created = await api('/api/v1/schedules', {
      method: 'POST',
      body: JSON.stringify({
        id: 'nightly-r1',
        runbook: 'dr-drill',
        input: DRILL,
        spec: { interval: '24h' },
      }),
    });
    expect(created.status).toBe(201);
    const trigger = await api('/api/v1/schedules/nightly-r1/trigger', {
      method: 'POST',
      body: '{}',
    });
    expect(trigger.status).toBeLessThan(300);
    let listed:
      | {
          workflowId?: string;
          scheduleId?: string;
          status?: string;
          summary?: { rtoSeconds?: number };
        }
      | undefined;
    const deadline = Date.now() + 300_000;
    while (Date.now() < deadline) {
      const body = (await (await api('/api/v1/drills')).json()) as {
        drills: (typeof listed & {})[];
      };
      listed = body.drills.find((d) => d.scheduleId === 'nightly-r1' && d.status === 'COMPLETED');
      if (listed) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    expect(listed?.summary?.rtoSeconds).toBeGreaterThan(0);
    await api('/api/v1/schedules/nightly-r1', { method: 'DELETE' });
  });
});
