import { WorkflowUpdateFailedError } from '@temporalio/client';
import { StaticSecretStore } from '../../common/secrets';
import { TopologyIndex } from '../../inventory/topology-index';
import { LedgerClient, ledgerWorkflowId } from '../../temporal/ledger-client';
import { startWorker, type RunningWorker } from '../../worker/create-worker';
import { TASK_QUEUE } from '../../worker/task-queue';
import {
  acquireUpdate,
  setMachinesUpdate,
  snapshotQuery,
} from '../../workflows/ledger/ledger-messages';
import { labSmall } from '../support/lab-fixtures';
import { startTestTemporal, type TestTemporal } from '../support/temporal-server';
import { testWorkflowBundle } from '../support/workflow-bundle';

jest.setTimeout(90_000);

let temporal: TestTemporal;
let worker: RunningWorker;
let ledger: LedgerClient;

beforeAll(async () => {
  temporal = await startTestTemporal();
  ledger = new LedgerClient(temporal.client);
  worker = await startWorker({
    address: temporal.address,
    workflowBundle: await testWorkflowBundle(),
    deps: {
      topology: new TopologyIndex(await labSmall()),
      secrets: new StaticSecretStore({}),
      powerDriver: () => {
        throw new Error('no BMCs in this suite');
      },
      ledger,
    },
  });
});

afterAll(async () => {
  await worker?.shutdown();
  await temporal?.stop();
});

/** Holders must be runs that are open; other ledgers are convenient long-running workflows. */
async function openHolder(name: string): Promise<string> {
  await ledger.setMachine(name, { holder: 'test', machine: 'm-x' });
  return ledgerWorkflowId(name);
}

async function conflictType(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    return (e as { type?: string }).type;
  }
}

describe('site ledger (entity workflow on a real dev server)', () => {
  it('is created by the first Update and answers snapshot queries', async () => {
    expect((await ledger.snapshot('nowhere')).version).toBe(0);
    await ledger.setMachine('site-a', { holder: 'test', machine: 'm1', power: 'on' });
    const snap = await ledger.snapshot('site-a');
    expect(snap.machines.m1).toMatchObject({ power: 'on', role: 'idle' });
  });

  it('gives a contended machine to exactly one of many concurrent runs', async () => {
    const holders = await Promise.all(
      Array.from({ length: 12 }, (_, i) => openHolder(`holder-${i}`)),
    );
    const results = await Promise.all(
      holders.map((h) =>
        conflictType(
          ledger.acquire('site-b', {
            holder: h,
            resources: ['machine:m-r1-03'],
            purpose: 'contention',
          }),
        ),
      ),
    );
    expect(results.filter((r) => r === undefined)).toHaveLength(1);
    expect(results.filter((r) => r === 'LeaseConflictError')).toHaveLength(11);
    const snap = await ledger.snapshot('site-b');
    expect(holders).toContain(snap.leases['machine:m-r1-03']!.holder);
  });

  it('reclaims a lease whose holder run has ended', async () => {
    await temporal.client.workflow.start('siteLedger', {
      taskQueue: TASK_QUEUE,
      workflowId: ledgerWorkflowId('site-c'),
      args: [{ site: 'site-c' }, { reclaimAfterMs: 0 }],
    });
    await ledger.acquire('site-c', {
      holder: 'power/m-r1-01/finished-long-ago',
      resources: ['machine:m-r1-01'],
      purpose: 'stale',
    });
    const live = await openHolder('holder-live');
    const result = await ledger.acquire('site-c', {
      holder: live,
      resources: ['machine:m-r1-01'],
      purpose: 'takeover',
    });
    expect(result.reclaimed).toEqual([
      expect.objectContaining({
        resource: 'machine:m-r1-01',
        holder: 'power/m-r1-01/finished-long-ago',
      }),
    ]);
    expect((await ledger.snapshot('site-c')).leases['machine:m-r1-01']!.holder).toBe(live);
  });

  it('rejects invalid Updates in the validator, before they enter history', async () => {
    await ledger.setMachine('site-d', { holder: 'test', machine: 'm1' });
    const handle = temporal.client.workflow.getHandle(ledgerWorkflowId('site-d'));
    const before = (await handle.fetchHistory()).events?.length ?? 0;
    await expect(
      handle.executeUpdate(acquireUpdate, {
        args: [{ holder: 'x', resources: ['machine:BAD ID;rm'] }],
      }),
    ).rejects.toThrow(WorkflowUpdateFailedError);
    const after = (await handle.fetchHistory()).events?.length ?? 0;
    expect(after).toBe(before);
  });

  it('records 500 machines in one Update, keeping what each record does not name', async () => {
    await ledger.setMachine('site-f', {
      holder: 'test',
      machine: 'm-0',
      power: 'on',
      role: 'hypervisor',
      cluster: 'c1',
    });
    const handle = temporal.client.workflow.getHandle(ledgerWorkflowId('site-f'));
    const accepted = async () =>
      ((await handle.fetchHistory()).events ?? []).filter(
        (e) => e.workflowExecutionUpdateAcceptedEventAttributes,
      ).length;
    const before = await accepted();
    const machines = Array.from({ length: 500 }, (_, i) => ({
      machine: `m-${i}`,
      power: 'unknown' as const,
      healthy: false,
    }));
    expect(await ledger.setMachines('site-f', { holder: 'site-failover/x', machines })).toEqual({
      recorded: 500,
    });
    expect((await accepted()) - before).toBe(1);
    const snap = await ledger.snapshot('site-f');
    expect(Object.keys(snap.machines)).toHaveLength(500);
    expect(snap.machines['m-0']).toMatchObject({
      power: 'unknown',
      healthy: false,
      role: 'hypervisor',
      cluster: 'c1',
    });
    expect(snap.machines['m-499']).toMatchObject({ power: 'unknown', role: 'idle' });
  });

  it('refuses a batch naming a machine twice or a bad id, and records none of it', async () => {
    await ledger.setMachine('site-g', { holder: 'test', machine: 'm1', power: 'on' });
    const handle = temporal.client.workflow.getHandle(ledgerWorkflowId('site-g'));
    const send = (machines: Array<{ machine: string; power?: 'off' }>) =>
      handle.executeUpdate(setMachinesUpdate, { args: [{ holder: 'test', machines }] });
    await expect(send([{ machine: 'm1', power: 'off' }, { machine: 'm1' }])).rejects.toThrow(
      WorkflowUpdateFailedError,
    );
    await expect(send([{ machine: 'm1', power: 'off' }, { machine: 'm2' }])).resolves.toEqual({
      recorded: 2,
    });
    const bad = await send([{ machine: 'm3' }, { machine: 'BAD ID;rm' }]).catch(
      (e: WorkflowUpdateFailedError) => e.cause?.message,
    );
    expect(bad).toMatch(/machines\.1\.machine/);
    const snap = await handle.query(snapshotQuery);
    expect(snap.machines.m1!.power).toBe('off');
    expect(snap.machines.m3).toBeUndefined();
  });

  it('continues as new before its history grows large, keeping every lease and placement', async () => {
    const holder = await openHolder('holder-can');
    await temporal.client.workflow.start('siteLedger', {
      taskQueue: TASK_QUEUE,
      workflowId: ledgerWorkflowId('site-e'),
      args: [{ site: 'site-e' }, { maxHistoryEvents: 60 }],
    });
    const handle = temporal.client.workflow.getHandle(ledgerWorkflowId('site-e'));
    const first = (await handle.describe()).runId;
    await ledger.acquire('site-e', {
      holder,
      resources: ['persona:web-01', 'machine:m-r1-03'],
      purpose: 'can',
    });
    await ledger.place('site-e', {
      holder,
      persona: 'web-01',
      placement: { kind: 'machine', machine: 'm-r1-03' },
    });
    for (let i = 0; i < 40; i += 1)
      await ledger.setMachine('site-e', {
        holder,
        machine: `m-${i % 5}`,
        power: i % 2 ? 'on' : 'off',
      });
    const after = await handle.describe();
    expect(after.runId).not.toBe(first);
    const snap = await handle.query(snapshotQuery);
    expect(snap.placements['web-01']).toEqual({ kind: 'machine', machine: 'm-r1-03' });
    expect(snap.leases['machine:m-r1-03']!.holder).toBe(holder);
    expect(snap.version).toBeGreaterThanOrEqual(42);
  });
});
