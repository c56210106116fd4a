import { WorkflowFailedError } from '@temporalio/client';
import { createHypervisorActivities } from '../../activities/hypervisor-activities';
import { createSwitchActivities } from '../../activities/switch-activities';
import { TASK_QUEUE } from '../../worker/task-queue';
import type { RunbookReport } from '../../workflows/runbook-report';
import { startFullStack, type FullStack } from '../support/full-stack';
import { labHardwareState, type LabHardwareState } from '../support/lab-snapshot';
import { ledgerFacts } from '../support/ledger-state';
import { labVms, placeVmOnHost } from '../support/vm-on-host';
import { stackReads } from '../support/stack-reads';

jest.setTimeout(180_000);

let stack: FullStack;
let seq = 0;

beforeAll(async () => {
  stack = await startFullStack();
});

afterAll(async () => {
  await stack?.stop();
});

const execute = (workflow: string, id: string, input: unknown) =>
  stack.temporal.client.workflow.execute(workflow, {
    taskQueue: TASK_QUEUE,
    workflowId: `${id}/t${++seq}`,
    args: [input],
  }) as Promise<RunbookReport>;
const release = (persona: string) =>
  execute('release', `release/${persona}`, { persona, graceSeconds: 30, powerTimeoutSeconds: 30 });
const releaseHost = (machine: string) =>
  execute('release', `release/${machine}`, { machine, graceSeconds: 30, powerTimeoutSeconds: 30 });

const { machine } = stackReads(() => stack);

/**
 * Opens a released machine's ports again (no shutdown, nothing else) straight through the
 * switch activities, so the rest of the switch text can be compared byte for byte.
 */
async function reopenPorts(id: string): Promise<LabHardwareState> {
  const ports = machine(id).nics.map((n) => ({
    switchId: n.switch,
    port: n.port,
    mode: 'access' as const,
    defaultMode: true as const,
    shutdown: false,
  }));
  await createSwitchActivities(stack.deps).configurePorts({ ports });
  return labHardwareState(stack.lab);
}

describe('release (full lab)', () => {
  it('returns a repurposed persona’s machine to spare: the lab is as before the repurpose but for its shut ports; power off', async () => {
    const hardwareBefore = labHardwareState(stack.lab);
    const ledgerBefore = await stack.ledger.snapshot('dc1');
    await expect(
      execute('repurpose', 'repurpose/app-01', {
        persona: 'app-01',
        machine: 'm-r1-03',
        healthTimeoutSeconds: 60,
      }),
    ).resolves.toMatchObject({ outcome: 'completed' });

    const report = await release('app-01');
    expect(report).toMatchObject({ outcome: 'completed', endedOn: 'none' });
    expect(report.steps.map((s) => s.name)).toEqual([
      'locate',
      'lease',
      'stop',
      'luns',
      'boot-assignment',
      'ports',
      'record-machine',
      'placement',
    ]);

    const after = labHardwareState(stack.lab);
    expect(after.masks).toEqual(hardwareBefore.masks);
    expect(after.power).toEqual({ ...hardwareBefore.power, 'm-r1-03': 'off' });
    const eth0 = machine('m-r1-03').nics[0]!;
    expect(stack.lab.switchView!.portState(eth0.switch, eth0.port)).toMatchObject({
      shutdown: true,
    });
    // app-01 has networks on eth0 only: eth1 was never touched, and is reopened here as a no-op.
    expect(after.switches).not.toEqual(hardwareBefore.switches);
    expect(await reopenPorts('m-r1-03')).toEqual(hardwareBefore);

    const ledger = await stack.ledger.snapshot('dc1');
    expect(ledger.placements['app-01']).toEqual({ kind: 'none' });
    expect(ledger.machines['m-r1-03']).toMatchObject({ role: 'idle', power: 'off' });
    expect(ledger.bootAssignments).toEqual(ledgerBefore.bootAssignments);
    expect(ledger.leases).toEqual({});
  });

  it('releasing a persona that runs nowhere changes nothing and completes', async () => {
    const before = labHardwareState(stack.lab);
    const ledgerBefore = ledgerFacts(await stack.ledger.snapshot('dc1'));
    const report = await release('app-01');
    expect(report).toMatchObject({ outcome: 'completed', endedOn: 'none' });
    expect(report.steps.map((s) => [s.name, s.outcome])).toEqual([
      ['locate', 'ok'],
      ['release', 'skipped'],
    ]);
    expect(labHardwareState(stack.lab)).toEqual(before);
    expect(ledgerFacts(await stack.ledger.snapshot('dc1'))).toEqual(ledgerBefore);
  });

  describe('a hypervisor host', () => {
    const host = 'm-r2-03';
    let beforeHost: LabHardwareState;

    beforeAll(async () => {
      beforeHost = labHardwareState(stack.lab);
      await expect(
        execute('hypervisorBringup', `hypervisor-bringup/${host}`, {
          machine: host,
          readyTimeoutSeconds: 60,
        }),
      ).resolves.toMatchObject({ outcome: 'completed' });
      await placeVmOnHost(stack, host, 'web-02');
    });

    it('a machine that is no host is refused by machine, naming the field; nothing changes', async () => {
      const before = labHardwareState(stack.lab);
      const e = await releaseHost('m-r2-02').catch((err: unknown) => err);
      const report = ((e as WorkflowFailedError).cause as { details?: unknown[] })
        .details?.[0] as RunbookReport;
      expect(report.error?.message).toMatch(
        /^input\.machine: m-r2-02 is no hypervisor host \(the ledger records it idle\)/,
      );
      expect(report.steps.map((s) => s.name)).toEqual(['host']);
      expect(labHardwareState(stack.lab)).toEqual(before);
    });

    it('is refused while a VM lives on it, naming the VM; nothing changes', async () => {
      const before = labHardwareState(stack.lab);
      const ledgerBefore = ledgerFacts(await stack.ledger.snapshot('dc1'));
      const e = await releaseHost(host).catch((err: unknown) => err);
      expect(e).toBeInstanceOf(WorkflowFailedError);
      const report = ((e as WorkflowFailedError).cause as { details?: unknown[] })
        .details?.[0] as RunbookReport;
      expect(report.error).toEqual({
        type: 'HostHasVmsError',
        message: `${host} is a hypervisor host with 1 VM(s) on it: web-02 (placed there by the ledger, defined on the host); move or release them first`,
      });
      expect(report.compensations.map((c) => [c.step, c.outcome])).toEqual([['lease', 'undone']]);
      expect(labHardwareState(stack.lab)).toEqual(before);
      expect(ledgerFacts(await stack.ledger.snapshot('dc1'))).toEqual(ledgerBefore);
      expect(labVms(stack, host)).toEqual({ 'web-02': { state: 'running', persistent: true } });
    });

    it('releases the VM (stopped, removed, its LUN unmasked from the host), then the host itself back to spare', async () => {
      const vm = await release('web-02');
      expect(vm).toMatchObject({ outcome: 'completed', endedOn: 'none' });
      expect(vm.steps.map((s) => s.name)).toEqual([
        'locate',
        'lease',
        'stop-vm',
        'remove-vm',
        'unmask',
        'placement',
      ]);
      await expect(createHypervisorActivities(stack.deps).listVms({ host })).resolves.toEqual([]);
      expect(labVms(stack, host)).toEqual({});
      expect(stack.lab.sanView!.lunsVisibleTo('array-1', machine(host).storage.iqn!)).toEqual([
        'vmstore-1',
      ]);

      const hostReport = await releaseHost(host);
      expect(hostReport).toMatchObject({ outcome: 'completed', endedOn: 'spare' });
      expect(hostReport.steps.map((s) => s.name)).toEqual([
        'host',
        'lease',
        'host-vms',
        'stop',
        'luns',
        'boot-assignment',
        'ports',
        'record-machine',
      ]);
      const after = labHardwareState(stack.lab);
      expect(after.masks).toEqual(beforeHost.masks);
      expect(after.power).toEqual(beforeHost.power);
      expect(await reopenPorts(host)).toEqual(beforeHost);

      const ledger = await stack.ledger.snapshot('dc1');
      expect(ledger.placements).toMatchObject({ 'web-02': { kind: 'none' } });
      expect(ledger.machines[host]).toMatchObject({ role: 'idle', power: 'off' });
      // It left its cluster with its role.
      expect(ledger.machines[host]?.cluster).toBeUndefined();
      for (const nic of machine(host).nics) expect(ledger.bootAssignments[nic.mac]).toBeUndefined();
      expect(ledger.leases).toEqual({});
    });
  });
});
