import { TASK_QUEUE } from '../../worker/task-queue';
import { compensationTable } from '../support/compensation-table';
import { FaultInjector } from '../support/fault-injector';
import { startFullStack, type FullStack } from '../support/full-stack';
import { labVms, placeVmOnHost } from '../support/vm-on-host';

jest.setTimeout(600_000);

const injector = new FaultInjector();
let stack: FullStack;

beforeAll(async () => {
  stack = await startFullStack({ injector });
});

afterAll(async () => {
  await stack?.stop();
});

/**
 * Fail the k-th changing call of a release, for every k: each failed release leaves the
 * persona running again and switches, masks, power, the ledger (and the host's VMs) exactly
 * as before it. First app-01 on m-r1-03 (put there by repurpose), then web-02 as a VM on a host.
 */
describe('release compensation, failure injected at every changing step', () => {
  it('a machine release (stop, unmask, boot cleared, ports shut) is undone exactly, whichever step fails', async () => {
    injector.reset(0);
    await expect(
      stack.temporal.client.workflow.execute('repurpose', {
        taskQueue: TASK_QUEUE,
        workflowId: 'repurpose/app-01/setup',
        args: [{ persona: 'app-01', machine: 'm-r1-03', healthTimeoutSeconds: 60 }],
      }),
    ).resolves.toMatchObject({ outcome: 'completed' });
    const table = await compensationTable(stack, injector, (k) =>
      stack.temporal.client.workflow.execute('release', {
        taskQueue: TASK_QUEUE,
        workflowId: `release/app-01/fault-${k}`,
        args: [{ persona: 'app-01', graceSeconds: 30, powerTimeoutSeconds: 30 }],
      }),
    );
    console.log(`release compensation table:\n  ${table.rows.join('\n  ')}`);
    expect(table.completed).toMatchObject({ outcome: 'completed', endedOn: 'none' });
    expect(table.rows.length).toBeGreaterThanOrEqual(7);
  });

  it('a VM release (stop, remove, unmask from the host) is undone too: the VM runs again, defined as before', async () => {
    injector.reset(0);
    await expect(
      stack.temporal.client.workflow.execute('hypervisorBringup', {
        taskQueue: TASK_QUEUE,
        workflowId: 'hypervisor-bringup/m-r2-03/setup',
        args: [{ machine: 'm-r2-03', readyTimeoutSeconds: 60 }],
      }),
    ).resolves.toMatchObject({ outcome: 'completed' });
    await placeVmOnHost(stack, 'm-r2-03', 'web-02');
    // A guest started again by an undo may not have booted when the next run asks it to shut
    // down; like a real guest it ignores that request, so it is destroyed after the grace time.
    const table = await compensationTable(
      stack,
      injector,
      (k) =>
        stack.temporal.client.workflow.execute('release', {
          taskQueue: TASK_QUEUE,
          workflowId: `release/web-02/fault-${k}`,
          args: [{ persona: 'web-02', graceSeconds: 5 }],
        }),
      { more: () => labVms(stack, 'm-r2-03') },
    );
    console.log(`release (VM) compensation table:\n  ${table.rows.join('\n  ')}`);
    expect(table.completed).toMatchObject({ outcome: 'completed', endedOn: 'none' });
    expect(labVms(stack, 'm-r2-03')).toEqual({});
    expect(table.rows.length).toBeGreaterThanOrEqual(5);
  });
});
