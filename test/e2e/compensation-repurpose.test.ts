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
 * Table-driven compensation: fail the k-th changing call of a repurpose that MOVES web-01 from
 * its home (m-r2-01, where the lab has its LUN masked) to m-r1-04, for k = 1, 2, … until a run
 * completes without the fault firing. After every failed run the switches' running configs,
 * every LUN mask, every machine's power, and the ledger are exactly what they were before.
 */
describe('repurpose compensation, failure injected at every changing step', () => {
  it('undoes exactly what it did, whichever step fails', async () => {
    const table = await compensationTable(stack, injector, (k) =>
      stack.temporal.client.workflow.execute('repurpose', {
        taskQueue: TASK_QUEUE,
        workflowId: `repurpose/web-01/fault-${k}`,
        args: [
          { persona: 'web-01', machine: 'm-r1-04', healthTimeoutSeconds: 60, evictGraceSeconds: 5 },
        ],
      }),
    );
    console.log(`repurpose compensation table:\n  ${table.rows.join('\n  ')}`);
    expect(table.completed).toMatchObject({ outcome: 'completed', endedOn: 'm-r1-04' });
    expect(table.rows.length).toBeGreaterThanOrEqual(8);
  });
});
