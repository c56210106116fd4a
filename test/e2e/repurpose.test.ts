import { WorkflowFailedError } from '@temporalio/client';
import { TASK_QUEUE } from '../../worker/task-queue';
import type { RunbookReport } from '../../workflows/runbook-report';
import { startFullStack, type FullStack } from '../support/full-stack';
import { ledgerLabDisagreements } from '../support/ledger-lab-check';
import { labHardwareState } from '../support/lab-snapshot';
import { progressQuery } from '../../workflows/run-journal';

jest.setTimeout(180_000);

let stack: FullStack;
let seq = 0;

beforeAll(async () => {
  stack = await startFullStack();
});

afterAll(async () => {
  await stack?.stop();
});

const run = (input: unknown) =>
  stack.temporal.client.workflow.execute('repurpose', {
    taskQueue: TASK_QUEUE,
    workflowId: `repurpose/${(input as { persona: string }).persona}/t${++seq}`,
    args: [input],
  }) as Promise<RunbookReport>;

async function health(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/healthz`);
  return res.text();
}

describe('repurpose (full lab: BMCs, SSH switches and arrays, iPXE from the API, health checks)', () => {
  it('puts web-01 on a spare machine it chooses; the lab shows exactly its VLANs, masks and boot', async () => {
    const report = await run({ persona: 'web-01', healthTimeoutSeconds: 60 });
    expect(report.outcome).toBe('completed');
    const machine = report.endedOn;
    const m = stack.topology.sites[0]!.machines.find((x) => x.id === machine)!;
    expect(m.pool).toBe('spare');
    const web01 = stack.topology.personas.find((p) => p.name === 'web-01')!;
    expect(await health(web01.health!.port)).toContain('web-01');

    const sw = stack.lab.switchView!;
    expect(sw.portState(m.nics[0]!.switch, m.nics[0]!.port)).toMatchObject({
      mode: 'access',
      accessVlan: 110,
      shutdown: false,
    });
    expect(stack.lab.sanView!.lunsVisibleTo('array-1', m.storage.iqn!)).toEqual(['web-01-boot']);
    const ledger = await stack.ledger.snapshot('dc1');
    expect(ledger.placements['web-01']).toEqual({ kind: 'machine', machine });
    expect(ledger.bootAssignments[m.nics[0]!.mac]).toMatchObject({ persona: 'web-01', machine });
    expect(Object.keys(ledger.leases)).toEqual([]);
    expect(report.steps.map((s) => s.name)).toEqual(
      expect.arrayContaining([
        'choose-machine',
        'lease',
        'ports',
        'luns',
        'boot-assignment',
        'boot-device',
        'power-on',
        'health',
        'placement',
      ]),
    );
  });

  it('a second repurpose of the same persona onto the same machine changes nothing and completes', async () => {
    const before = await stack.ledger.snapshot('dc1');
    const machine = (before.placements['web-01'] as { machine: string }).machine;
    const report = await run({ persona: 'web-01', machine, healthTimeoutSeconds: 60 });
    expect(report).toMatchObject({ outcome: 'completed', endedOn: machine });
  });

  it('moving web-01 to another machine parks the one it leaves: off, no boot assignment, no VLAN, no LUN; ledger and lab agree', async () => {
    const before = await stack.ledger.snapshot('dc1');
    const from = (before.placements['web-01'] as { machine: string }).machine;
    const to = ['m-r2-03', 'm-r1-03'].find((m) => m !== from)!;
    const report = await run({ persona: 'web-01', machine: to, healthTimeoutSeconds: 60 });
    expect(report).toMatchObject({ outcome: 'completed', endedOn: to });
    const left = stack.topology.sites[0]!.machines.find((x) => x.id === from)!;
    const ledger = await stack.ledger.snapshot('dc1');
    const web01 = stack.topology.personas.find((p) => p.name === 'web-01')!;
    for (const nic of left.nics) expect(ledger.bootAssignments[nic.mac]).toBeUndefined();
    // web-01's ports are shut and on no VLAN but the device default.
    for (const need of web01.networks) {
      const nic = left.nics[need.nic]!;
      expect(stack.lab.switchView!.portState(nic.switch, nic.port)).toMatchObject({
        shutdown: true,
        trunkVlans: [],
      });
      expect([undefined, 1]).toContain(
        stack.lab.switchView!.portState(nic.switch, nic.port)?.accessVlan,
      );
    }
    expect(stack.lab.sanView!.lunsVisibleTo('array-1', left.storage.iqn!)).toEqual([]);
    expect(stack.lab.machine(from).powerState).toBe('off');
    expect(ledger.machines[from]).toMatchObject({ power: 'off', role: 'idle' });
    expect(ledgerLabDisagreements(stack.lab, stack.topology, [ledger])).toEqual([]);
  });

  it('fails cleanly when the persona never becomes healthy, and undoes everything', async () => {
    const before = labHardwareState(stack.lab);
    const ledgerBefore = await stack.ledger.snapshot('dc1');
    stack.lab.machine('m-r1-04').bootHangs = true;
    const e = await run({ persona: 'app-01', machine: 'm-r1-04', healthTimeoutSeconds: 5 }).catch(
      (err: unknown) => err,
    );
    stack.lab.machine('m-r1-04').bootHangs = false;
    expect(e).toBeInstanceOf(WorkflowFailedError);
    const report = ((e as WorkflowFailedError).cause as { details?: unknown[] })
      .details?.[0] as RunbookReport;
    expect(report.outcome).toBe('compensated');
    expect(report.leftToFix).toEqual([]);
    expect(report.compensations.length).toBeGreaterThanOrEqual(5);
    // Switch configs byte-for-byte, LUN masks and power exactly as before.
    expect(labHardwareState(stack.lab)).toEqual(before);
    const ledgerAfter = await stack.ledger.snapshot('dc1');
    expect(ledgerAfter.placements).toEqual(ledgerBefore.placements);
    expect(ledgerAfter.bootAssignments).toEqual(ledgerBefore.bootAssignments);
    expect(ledgerAfter.leases).toEqual({});
  });
});

describe('repurpose cancelled mid-run', () => {
  it('undoes everything it did, then ends cancelled with the report in its progress', async () => {
    const before = labHardwareState(stack.lab);
    const ledgerBefore = await stack.ledger.snapshot('dc1');
    stack.lab.machine('m-r1-04').bootHangs = true;
    const handle = await stack.temporal.client.workflow.start('repurpose', {
      taskQueue: TASK_QUEUE,
      workflowId: 'repurpose/app-01/cancelled',
      args: [{ persona: 'app-01', machine: 'm-r1-04', healthTimeoutSeconds: 300 }],
    });
    for (let i = 0; i < 400; i += 1) {
      const p = await handle.query(progressQuery).catch(() => undefined);
      if (p?.step === 'health') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await handle.cancel();
    await expect(handle.result()).rejects.toThrow(WorkflowFailedError);
    stack.lab.machine('m-r1-04').bootHangs = false;
    expect((await handle.describe()).status.name).toBe('CANCELLED');
    const progress = await handle.query(progressQuery);
    expect(progress.report).toMatchObject({ outcome: 'compensated', leftToFix: [] });
    expect(labHardwareState(stack.lab)).toEqual(before);
    const after = await stack.ledger.snapshot('dc1');
    expect(after.placements).toEqual(ledgerBefore.placements);
    expect(after.bootAssignments).toEqual(ledgerBefore.bootAssignments);
    expect(after.leases).toEqual({});
  });
});
