import { WorkflowFailedError } from '@temporalio/client';
import { TASK_QUEUE } from '../../worker/task-queue';
import type { RunbookReport } from '../../workflows/runbook-report';
import { FaultInjector } from '../support/fault-injector';
import { startFullStack, type FullStack } from '../support/full-stack';
import { labHardwareState } from '../support/lab-snapshot';
import { ledgerFacts } from '../support/ledger-state';

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
    const outcomes: string[] = [];
    for (let k = 1; k <= 40; k += 1) {
      const hardwareBefore = labHardwareState(stack.lab);
      const ledgerBefore = ledgerFacts(await stack.ledger.snapshot('dc1'));
      injector.reset(k);
      const result = await stack.temporal.client.workflow
        .execute('repurpose', { taskQueue: TASK_QUEUE, workflowId: `repurpose/web-01/fault-${k}`, args: [{ persona: 'web-01', machine: 'm-r1-04', healthTimeoutSeconds: 60, evictGraceSeconds: 5 }] })
        .then(
          (r) => r as RunbookReport,
          (e: unknown) => e,
        );
      if (injector.fired === undefined) {
        expect(result).toMatchObject({ outcome: 'completed', endedOn: 'm-r1-04' });
        outcomes.push(`k=${k}: no fault left to inject; completed`);
        break;
      }
      expect(result).toBeInstanceOf(WorkflowFailedError);
      const report = ((result as WorkflowFailedError).cause as { details?: unknown[] }).details?.[0] as RunbookReport;
      expect(report.error?.type).toBe('InjectedFault');
      expect(report.leftToFix).toEqual([]);
      expect(labHardwareState(stack.lab)).toEqual(hardwareBefore);
      expect(ledgerFacts(await stack.ledger.snapshot('dc1'))).toEqual(ledgerBefore);
      outcomes.push(`k=${k}: ${injector.fired} → ${report.compensations.length} undo(s), state restored`);
    }
    console.log(`repurpose compensation table:\n  ${outcomes.join('\n  ')}`);
    expect(outcomes.at(-1)).toMatch(/completed/);
    expect(outcomes.length).toBeGreaterThanOrEqual(8);
  });
});
