import { progressQuery } from '../../workflows/run-journal';
import { approvalUpdate } from '../../workflows/site-failover/failover-messages';
import type { FailoverReport } from '../../workflows/site-failover/failover-report';
import { TASK_QUEUE } from '../../worker/task-queue';
import { startFullStack, type FullStack } from '../support/full-stack';
import { labHardwareState } from '../support/lab-snapshot';
import { ledgerFacts } from '../support/ledger-state';

jest.setTimeout(300_000);

let stack: FullStack;

beforeAll(async () => {
  stack = await startFullStack();
});

afterAll(async () => {
  await stack?.stop();
});

describe('site-failover: approval deadline, and one persona failing does not stop the others (examples/lab-small.yaml)', () => {
  it('a plan nobody approves in time expires: the run ends having changed nothing', async () => {
    const before = labHardwareState(stack.lab);
    const ledgerBefore = ledgerFacts(await stack.ledger.snapshot('dc1'));
    const report = (await stack.temporal.client.workflow.execute('siteFailover', {
      taskQueue: TASK_QUEUE,
      workflowId: 'site-failover/isolation/expires',
      args: [
        { machines: ['m-r1-01'], probe: false, approval: 'manual', approvalTimeoutSeconds: 10 },
      ],
    })) as FailoverReport;
    expect(report).toMatchObject({
      outcome: 'expired',
      approval: { decision: 'expired' },
      personas: [],
    });
    expect(report.plan?.restorations.map((r) => r.persona)).toEqual(['db-01']);
    expect(labHardwareState(stack.lab)).toEqual(before);
    expect(ledgerFacts(await stack.ledger.snapshot('dc1'))).toEqual(ledgerBefore);
  });

  it('a target that never boots fails its persona, undone; the other persona is restored; the report says which and why', async () => {
    const handle = await stack.temporal.client.workflow.start('siteFailover', {
      taskQueue: TASK_QUEUE,
      workflowId: 'site-failover/isolation/t1',
      args: [
        {
          machines: ['m-r1-01', 'm-r2-01'],
          probe: false,
          approval: 'manual',
          healthTimeoutSeconds: 8,
          powerTimeoutSeconds: 30,
        },
      ],
    });
    // Read the plan while it waits for approval, and make one persona's target hang at boot.
    let plan: FailoverReport['plan'];
    for (let i = 0; i < 200 && plan === undefined; i += 1) {
      const p = await handle.query(progressQuery).catch(() => undefined);
      const shown = p?.report as
        | (Omit<FailoverReport, 'outcome'> & { outcome: string })
        | undefined;
      if (shown?.outcome === 'awaiting-approval') plan = shown.plan;
      else await new Promise((r) => setTimeout(r, 200));
    }
    const restored = plan!.restorations.filter((r) => r.outcome === 'restored');
    expect(restored.map((r) => r.persona).sort()).toEqual(['db-01', 'web-01']);
    const web = restored.find((r) => r.persona === 'web-01')!;
    if (web.outcome !== 'restored' || web.target.kind !== 'machine')
      throw new Error(`web-01 should go to a machine: ${JSON.stringify(web)}`);
    const hanging = web.target.machine;
    stack.lab.machine(hanging).bootHangs = true;
    try {
      await handle.executeUpdate(approvalUpdate, { args: [{ decision: 'approve', by: 'test' }] });
      const report = (await handle.result()) as FailoverReport;
      expect(report.outcome).toBe('partial');
      const byName = new Map(report.personas.map((p) => [p.persona, p]));
      expect(byName.get('db-01')).toMatchObject({ outcome: 'restored' });
      expect(byName.get('web-01')).toMatchObject({
        outcome: 'failed',
        error: { type: expect.any(String), message: expect.stringContaining('not healthy') },
      });
      expect(report.notRestored).toContainEqual({
        persona: 'web-01',
        reason: 'failed',
        detail: expect.stringContaining('not healthy'),
      });
      // The failed move undid itself: the hanging machine is off again and web-01 is placed nowhere
      // new.
      expect(stack.lab.machine(hanging).powerState).toBe('off');
      const ledger = await stack.ledger.snapshot('dc1');
      expect(ledger.placements['web-01']).not.toEqual({ kind: 'machine', machine: hanging });
      expect(ledger.placements['db-01']).toEqual({
        kind: 'machine',
        machine: byName.get('db-01')!.endedOn,
      });
    } finally {
      stack.lab.machine(hanging).bootHangs = false;
    }
  });
});
