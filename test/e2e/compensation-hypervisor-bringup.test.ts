import { TASK_QUEUE } from '../../worker/task-queue';
import { compensationTable } from '../support/compensation-table';
import { FaultInjector } from '../support/fault-injector';
import { startFullStack, type FullStack } from '../support/full-stack';

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
 * Fail the k-th changing call of a bring-up of m-r2-03 as a host of cluster-a, for every k:
 * each failed run leaves switches, masks, power and the ledger exactly as before it.
 */
describe('hypervisor-bringup compensation, failure injected at every changing step', () => {
  it('undoes exactly what it did, whichever step fails', async () => {
    const table = await compensationTable(stack, injector, (k) =>
      stack.temporal.client.workflow.execute('hypervisorBringup', {
        taskQueue: TASK_QUEUE,
        workflowId: `hypervisor-bringup/m-r2-03/fault-${k}`,
        args: [{ machine: 'm-r2-03', readyTimeoutSeconds: 60 }],
      }),
    );
    console.log(`hypervisor-bringup compensation table:\n  ${table.rows.join('\n  ')}`);
    expect(table.completed).toMatchObject({ outcome: 'completed', endedOn: 'm-r2-03' });
    expect(table.rows.length).toBeGreaterThanOrEqual(8);
  });
});
