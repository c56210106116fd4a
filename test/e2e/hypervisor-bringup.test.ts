import { WorkflowFailedError } from '@temporalio/client';
import { TASK_QUEUE } from '../../worker/task-queue';
import type { RunbookReport } from '../../workflows/runbook-report';
import { startFullStack, type FullStack } from '../support/full-stack';
import { labHardwareState } from '../support/lab-snapshot';
import { ledgerFacts } from '../support/ledger-state';

jest.setTimeout(180_000);

let stack: FullStack;
let seq = 0;

beforeAll(async () => {
  stack = await startFullStack();
});

afterAll(async () => {
  await stack?.stop();
});

const run = (input: { machine: string } & Record<string, unknown>) =>
  stack.temporal.client.workflow.execute('hypervisorBringup', { taskQueue: TASK_QUEUE, workflowId: `hypervisor-bringup/${input.machine}/t${++seq}`, args: [input] }) as Promise<RunbookReport>;

function reportOf(e: unknown): RunbookReport {
  expect(e).toBeInstanceOf(WorkflowFailedError);
  return ((e as WorkflowFailedError).cause as { details?: unknown[] }).details?.[0] as RunbookReport;
}

const machine = (id: string) => stack.topology.sites[0]!.machines.find((m) => m.id === id)!;

describe('hypervisor-bringup (full lab: the host answers virsh over SSH once it boots the hypervisor image)', () => {
  it('a host that never answers (boot hangs) is undone: switches, masks, power and the ledger exactly as before', async () => {
    const before = labHardwareState(stack.lab);
    const ledgerBefore = ledgerFacts(await stack.ledger.snapshot('dc1'));
    stack.lab.machine('m-r2-03').bootHangs = true;
    const e = await run({ machine: 'm-r2-03', readyTimeoutSeconds: 5, powerTimeoutSeconds: 30 }).catch((err: unknown) => err);
    stack.lab.machine('m-r2-03').bootHangs = false;
    const report = reportOf(e);
    expect(report).toMatchObject({ outcome: 'compensated', leftToFix: [], error: { type: 'HypervisorNotReadyError' } });
    // Every undo registered before the failed wait, in reverse.
    expect(report.compensations.map((c) => c.step)).toEqual(['power-on', 'boot-device', 'boot-assignment', 'luns', 'ports', 'lease']);
    expect(labHardwareState(stack.lab)).toEqual(before);
    expect(ledgerFacts(await stack.ledger.snapshot('dc1'))).toEqual(ledgerBefore);
  });

  it('brings up m-r2-03 as a host of vmhost-a: virsh answers, its ports trunk the cluster VLANs, vmstore-1 is masked to it', async () => {
    const report = await run({ machine: 'm-r2-03', readyTimeoutSeconds: 60 });
    expect(report).toMatchObject({ outcome: 'completed', endedOn: 'm-r2-03' });
    expect(report.steps.map((s) => s.name)).toEqual(['plan-host', 'check-machine', 'locate', 'lease', 'ports', 'luns', 'boot-assignment', 'boot-device', 'power-on', 'hypervisor', 'placement', 'record-machine']);
    expect(report.steps.find((s) => s.name === 'plan-host')?.detail).toContain('cluster vmhost-a');

    const host = machine('m-r2-03');
    // The lab host answers virsh through rackshift's own libvirt driver.
    await expect(stack.deps.hypervisorDriver!(host).list()).resolves.toEqual([]);
    const sw = stack.lab.switchView!;
    expect(sw.portState('sw-r2', host.nics[0]!.port)).toMatchObject({ mode: 'trunk', trunkVlans: [110, 130, 400], shutdown: false });
    expect(sw.portState('sw-r2', host.nics[1]!.port)).toMatchObject({ mode: 'trunk', trunkVlans: [200, 300], shutdown: false });
    expect(stack.lab.sanView!.lunsVisibleTo('array-1', host.storage.iqn!)).toEqual(['vmstore-1']);

    const ledger = await stack.ledger.snapshot('dc1');
    expect(ledger.placements['vmhost-a']).toEqual({ kind: 'machine', machine: 'm-r2-03' });
    expect(ledger.machines['m-r2-03']).toMatchObject({ role: 'hypervisor', power: 'on', healthy: true });
    for (const nic of host.nics) expect(ledger.bootAssignments[nic.mac]).toEqual({ mac: nic.mac, machine: 'm-r2-03', persona: 'vmhost-a', image: 'kvm-host' });
    expect(ledger.leases).toEqual({});
  });

  it('refuses a second bring-up of a running host, and a second host for the same cluster persona, changing nothing', async () => {
    const before = labHardwareState(stack.lab);
    const ledgerBefore = ledgerFacts(await stack.ledger.snapshot('dc1'));
    const again = reportOf(await run({ machine: 'm-r2-03', readyTimeoutSeconds: 30 }).catch((err: unknown) => err));
    expect(again).toMatchObject({ outcome: 'no-capacity', error: { type: 'NoCapacityError', message: 'm-r2-03 cannot host vmhost-a: hypervisor host' } });
    const second = reportOf(await run({ machine: 'm-r2-02', cluster: 'vmhost-a', readyTimeoutSeconds: 30 }).catch((err: unknown) => err));
    expect(second.error).toMatchObject({ type: 'ValidationError' });
    expect(second.error?.message).toContain('cluster vmhost-a already runs on m-r2-03');
    expect(labHardwareState(stack.lab)).toEqual(before);
    expect(ledgerFacts(await stack.ledger.snapshot('dc1'))).toEqual(ledgerBefore);
  });

  it('refuses a machine without a hypervisor endpoint and a cluster that is no hypervisor persona, naming the field', async () => {
    const noEndpoint = reportOf(await run({ machine: 'm-r1-03' }).catch((err: unknown) => err));
    expect(noEndpoint.error).toMatchObject({ type: 'ValidationError' });
    expect(noEndpoint.error?.message).toContain('input.machine: machine m-r1-03 has no hypervisor endpoint');
    const notCluster = reportOf(await run({ machine: 'm-r2-02', cluster: 'web-01' }).catch((err: unknown) => err));
    expect(notCluster.error?.message).toContain('input.cluster: persona web-01 boots rhel-9-san, which is not a hypervisor image');
    expect(noEndpoint.steps.map((s) => s.name)).toEqual(['plan-host']);
  });
});
