import { TASK_QUEUE } from '../../worker/task-queue';
import { compensationTable } from '../support/compensation-table';
import { FaultInjector } from '../support/fault-injector';
import type { FullStack } from '../support/full-stack';
import { bringUpHost, HOST, onMachine, startP2vStack } from '../support/p2v-stack';
import { labVms } from '../support/vm-on-host';

jest.setTimeout(900_000);

const injector = new FaultInjector();
let stack: FullStack;

beforeAll(async () => {
  stack = await startP2vStack({ interceptors: [injector.factory] });
  injector.reset(0);
  await bringUpHost(stack);
  await onMachine(stack, 'web-01');
});

afterAll(async () => {
  await stack?.stop();
});

/**
 * Fail the k-th changing call of a san-mode p2v of web-01, then of the v2p that brings it
 * back, for every k: each failed run leaves switches (the host's trunks too), masks, power,
 * the ledger and the host's VMs exactly as before it.
 */
describe('p2v and v2p compensation, failure injected at every changing step', () => {
  it('p2v (san) is undone exactly, whichever step fails', async () => {
    const table = await compensationTable(
      stack,
      injector,
      (k) =>
        stack.temporal.client.workflow.execute('p2v', {
          taskQueue: TASK_QUEUE,
          workflowId: `p2v/web-01/fault-${k}`,
          args: [
            {
              persona: 'web-01',
              host: HOST,
              mode: 'san',
              graceSeconds: 5,
              healthTimeoutSeconds: 60,
              powerTimeoutSeconds: 30,
            },
          ],
        }),
      { more: () => labVms(stack, HOST) },
    );
    console.log(`p2v compensation table:\n  ${table.rows.join('\n  ')}`);
    expect(table.completed).toMatchObject({ outcome: 'completed', endedOn: `vm@${HOST}` });
    expect(table.rows.length).toBeGreaterThanOrEqual(8);
  });

  it('v2p is undone exactly, whichever step fails', async () => {
    const table = await compensationTable(
      stack,
      injector,
      (k) =>
        stack.temporal.client.workflow.execute('v2p', {
          taskQueue: TASK_QUEUE,
          workflowId: `v2p/web-01/fault-${k}`,
          args: [
            {
              persona: 'web-01',
              graceSeconds: 5,
              healthTimeoutSeconds: 60,
              powerTimeoutSeconds: 30,
            },
          ],
        }),
      { more: () => labVms(stack, HOST) },
    );
    console.log(`v2p compensation table:\n  ${table.rows.join('\n  ')}`);
    expect(table.completed).toMatchObject({ outcome: 'completed' });
    expect(table.rows.length).toBeGreaterThanOrEqual(8);
  });
});
