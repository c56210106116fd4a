import { WorkflowFailedError } from '@temporalio/client';
import { TASK_QUEUE } from '../../worker/task-queue';
import type { RunbookReport } from '../../workflows/runbook-report';
import { editedTopology } from '../support/edited-topology';
import { startFullStack, type FullStack } from '../support/full-stack';
import { LAB_SMALL } from '../support/lab-fixtures';
import { labHardwareState } from '../support/lab-snapshot';
import { ledgerFacts } from '../support/ledger-state';
import { stackReads } from '../support/stack-reads';

jest.setTimeout(180_000);

let stack: FullStack;
let seq = 0;

/**
 * lab-small with a second cluster in dc1 (fewer trunks, same datastore), so a bring-up must name
 * one.
 */
const twoClusters = (): string =>
  editedTopology(LAB_SMALL, 'lab-small-two-clusters', (raw) => {
    raw.clusters!.push({
      name: 'cluster-b',
      image: 'kvm-host',
      networks: ['batch', 'mgmt'],
      datastores: [{ array: 'array-1', lun: 'vmstore-1' }],
    });
  });

beforeAll(async () => {
  stack = await startFullStack({ source: twoClusters() });
});

afterAll(async () => {
  await stack?.stop();
});

const run = (input: { machine: string } & Record<string, unknown>) =>
  stack.temporal.client.workflow.execute('hypervisorBringup', {
    taskQueue: TASK_QUEUE,
    workflowId: `hypervisor-bringup/${input.machine}/t${++seq}`,
    args: [input],
  }) as Promise<RunbookReport>;

function reportOf(e: unknown): RunbookReport {
  expect(e).toBeInstanceOf(WorkflowFailedError);
  return ((e as WorkflowFailedError).cause as { details?: unknown[] })
    .details?.[0] as RunbookReport;
}

const { machine } = stackReads(() => stack);

const TRUNK = [110, 130, 200, 300, 400];

describe('hypervisor-bringup (full lab: the host answers virsh over SSH once it boots the hypervisor image)', () => {
  it('refuses to guess the cluster where the site has several, naming input.cluster and both, changing nothing', async () => {
    const before = labHardwareState(stack.lab);
    const report = reportOf(await run({ machine: 'm-r2-03' }).catch((err: unknown) => err));
    expect(report.error).toMatchObject({ type: 'ValidationError' });
    expect(report.error?.message).toContain(
      'input.cluster: site dc1 has several clusters (cluster-a, cluster-b): name one in input.cluster',
    );
    expect(report.steps.map((s) => s.name)).toEqual(['plan-host']);
    expect(labHardwareState(stack.lab)).toEqual(before);
  });

  it('a host that never answers (boot hangs) is undone: switches, masks, power and the ledger exactly as before', async () => {
    const before = labHardwareState(stack.lab);
    const ledgerBefore = ledgerFacts(await stack.ledger.snapshot('dc1'));
    stack.lab.machine('m-r2-03').bootHangs = true;
    const e = await run({
      machine: 'm-r2-03',
      cluster: 'cluster-a',
      readyTimeoutSeconds: 5,
      powerTimeoutSeconds: 30,
    }).catch((err: unknown) => err);
    stack.lab.machine('m-r2-03').bootHangs = false;
    const report = reportOf(e);
    expect(report).toMatchObject({
      outcome: 'compensated',
      leftToFix: [],
      error: { type: 'HypervisorNotReadyError' },
    });
    // Every undo registered before the failed wait, in reverse.
    expect(report.compensations.map((c) => c.step)).toEqual([
      'power-on',
      'boot-device',
      'boot-assignment',
      'luns',
      'ports',
      'lease',
    ]);
    expect(labHardwareState(stack.lab)).toEqual(before);
    expect(ledgerFacts(await stack.ledger.snapshot('dc1'))).toEqual(ledgerBefore);
  });

  it('brings up m-r2-03 and m-r2-02 as two hosts of cluster-a at once: each its own identity, both trunk its VLANs and see vmstore-1', async () => {
    // Before clusters, the second of these failed: "m-r2-0x or vmhost-a is leased by another run".
    const [first, second] = await Promise.all([
      run({ machine: 'm-r2-03', cluster: 'cluster-a', readyTimeoutSeconds: 60 }),
      run({ machine: 'm-r2-02', cluster: 'cluster-a', readyTimeoutSeconds: 60 }),
    ]);
    for (const [report, id] of [
      [first, 'm-r2-03'],
      [second, 'm-r2-02'],
    ] as const) {
      expect(report).toMatchObject({ outcome: 'completed', endedOn: id });
      expect(report.steps.map((s) => s.name)).toEqual([
        'plan-host',
        'check-machine',
        'lease',
        'ports',
        'luns',
        'boot-assignment',
        'boot-device',
        'power-on',
        'hypervisor',
        'record-machine',
      ]);
      expect(report.steps.find((s) => s.name === 'plan-host')?.detail).toContain(
        'cluster cluster-a',
      );
    }

    const ledger = await stack.ledger.snapshot('dc1');
    for (const id of ['m-r2-03', 'm-r2-02']) {
      const host = machine(id);
      // The lab host answers virsh through rackshift's own libvirt driver, at its own address.
      await expect(stack.deps.hypervisorDriver!(host).list()).resolves.toEqual([]);
      for (const nic of host.nics)
        expect(stack.lab.switchView!.portState('sw-r2', nic.port)).toMatchObject({
          mode: 'trunk',
          trunkVlans: TRUNK,
          shutdown: false,
        });
      expect(stack.lab.sanView!.lunsVisibleTo('array-1', host.storage.iqn!)).toEqual(['vmstore-1']);
      expect(ledger.machines[id]).toMatchObject({
        role: 'hypervisor',
        cluster: 'cluster-a',
        power: 'on',
        healthy: true,
      });
      for (const nic of host.nics)
        expect(ledger.bootAssignments[nic.mac]).toEqual({
          mac: nic.mac,
          machine: id,
          persona: 'cluster-a',
          image: 'kvm-host',
        });
    }
    // A host is a machine of its cluster, not a persona placement.
    expect(ledger.placements['cluster-a']).toBeUndefined();
    expect(ledger.leases).toEqual({});
  });

  it('refuses a second bring-up of a running host (it would kill its VMs), changing nothing', async () => {
    const before = labHardwareState(stack.lab);
    const ledgerBefore = ledgerFacts(await stack.ledger.snapshot('dc1'));
    const again = reportOf(
      await run({ machine: 'm-r2-03', cluster: 'cluster-b', readyTimeoutSeconds: 30 }).catch(
        (err: unknown) => err,
      ),
    );
    expect(again).toMatchObject({
      outcome: 'no-capacity',
      error: {
        type: 'NoCapacityError',
        message:
          'm-r2-03 cannot host cluster-b: already a host of cluster cluster-a; release it first',
      },
    });
    expect(labHardwareState(stack.lab)).toEqual(before);
    expect(ledgerFacts(await stack.ledger.snapshot('dc1'))).toEqual(ledgerBefore);
  });

  it('refuses a machine without a hypervisor endpoint and an unknown cluster, naming the field', async () => {
    const noEndpoint = reportOf(
      await run({ machine: 'm-r1-03', cluster: 'cluster-a' }).catch((err: unknown) => err),
    );
    expect(noEndpoint.error).toMatchObject({ type: 'ValidationError' });
    expect(noEndpoint.error?.message).toContain(
      'input.machine: machine m-r1-03 has no hypervisor endpoint',
    );
    const notCluster = reportOf(
      await run({ machine: 'm-r2-02', cluster: 'web-01' }).catch((err: unknown) => err),
    );
    expect(notCluster.error?.message).toContain(
      'input.cluster: unknown cluster "web-01" (declare it under clusters)',
    );
    expect(noEndpoint.steps.map((s) => s.name)).toEqual(['plan-host']);
  });
});
