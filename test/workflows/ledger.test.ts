import { WorkflowUpdateFailedError } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
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
import { endHolder, startHolder } from '../support/ledger-holders';
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

/** Holders must be running rackshift runs (test/support/ledger-holders). */
const openHolder = (name: string): Promise<string> => startHolder(temporal.client, name);

async function conflictType(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    return (e as { type?: string }).type;
  }
}

async function refusal(p: Promise<unknown>): Promise<{ type?: string; message?: string }> {
  try {
    await p;
  } catch (e) {
    return e as { type?: string; message?: string };
  }
  throw new Error('the ledger accepted it');
}

/** The ledger's history: how many holder checks it scheduled, and its local activity markers. */
async function ledgerWork(site: string): Promise<{ checks: number; localActivities: number }> {
  const handle = temporal.client.workflow.getHandle(ledgerWorkflowId(site));
  const events = (await handle.fetchHistory()).events ?? [];
  return {
    checks: events.filter(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'checkHolders',
    ).length,
    localActivities: events.filter(
      (e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity',
    ).length,
  };
}

describe('site ledger (entity workflow on a real dev server)', () => {
  it('is created by the first Update and answers snapshot queries', async () => {
    expect((await ledger.snapshot('nowhere')).version).toBe(0);
    await ledger.setMachine('site-a', {
      holder: await openHolder('site-a'),
      machine: 'm1',
      power: 'on',
    });
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
    const ended = await startHolder(temporal.client, 'finished-long-ago', 'power');
    await ledger.acquire('site-c', {
      holder: ended,
      resources: ['machine:m-r1-01'],
      purpose: 'stale',
    });
    await endHolder(temporal.client, ended);
    const live = await openHolder('holder-live');
    const result = await ledger.acquire('site-c', {
      holder: live,
      resources: ['machine:m-r1-01'],
      purpose: 'takeover',
    });
    expect(result.reclaimed).toEqual([
      expect.objectContaining({
        resource: 'machine:m-r1-01',
        holder: ended,
      }),
    ]);
    expect((await ledger.snapshot('site-c')).leases['machine:m-r1-01']!.holder).toBe(live);
  });

  it('rejects invalid Updates in the validator, before they enter history', async () => {
    await ledger.setMachine('site-d', { holder: await openHolder('site-d'), machine: 'm1' });
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
    const holder = await openHolder('batch-500');
    await ledger.setMachine('site-f', {
      holder,
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
    expect(await ledger.setMachines('site-f', { holder, machines })).toEqual({
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
    const holder = await openHolder('batch-bad');
    await ledger.setMachine('site-g', { holder, machine: 'm1', power: 'on' });
    const handle = temporal.client.workflow.getHandle(ledgerWorkflowId('site-g'));
    const send = (machines: Array<{ machine: string; power?: 'off' }>) =>
      handle.executeUpdate(setMachinesUpdate, { args: [{ holder, machines }] });
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

describe('the ledger trusts only running rackshift runs (ledger-verifies-holders-by-activity)', () => {
  it('refuses a made-up holder with UnknownHolderError and changes nothing', async () => {
    const real = await openHolder('trust-real');
    await ledger.acquire('site-t', { holder: real, resources: ['machine:m-r1-01'] });
    const before = await ledger.snapshot('site-t');
    const forged = await refusal(
      ledger.acquire('site-t', {
        holder: 'repurpose/web-01/20261102T100000Z-ab12',
        resources: ['machine:m-r1-02'],
      }),
    );
    expect(forged).toMatchObject({
      type: 'UnknownHolderError',
      message: expect.stringContaining(
        'holder repurpose/web-01/20261102T100000Z-ab12 is not a running rackshift run: ' +
          'no such workflow',
      ),
    });
    const record = await refusal(
      ledger.setMachine('site-t', { holder: 'outsider', machine: 'm-r1-02', power: 'off' }),
    );
    expect(record).toMatchObject({ type: 'UnknownHolderError' });
    const batch = await refusal(
      ledger.setMachines('site-t', {
        holder: 'outsider',
        machines: [{ machine: 'm-r1-02', power: 'off' }],
      }),
    );
    expect(batch).toMatchObject({ type: 'UnknownHolderError' });
    expect(await ledger.snapshot('site-t')).toEqual(before);
  });

  it('refuses a holder whose run has ended, and a workflow that is not a runbook', async () => {
    const ended = await startHolder(temporal.client, 'trust-ended', 'power');
    await endHolder(temporal.client, ended);
    await ledger.setMachine('site-u', { holder: await openHolder('trust-u'), machine: 'm1' });
    const before = await ledger.snapshot('site-u');
    expect(
      await refusal(ledger.acquire('site-u', { holder: ended, resources: ['machine:m1'] })),
    ).toMatchObject({
      type: 'UnknownHolderError',
      message: expect.stringContaining('its workflow is TERMINATED, not RUNNING'),
    });
    // Another site's ledger is a running workflow of this worker, but not a runbook.
    const notRunbook = ledgerWorkflowId('site-t');
    expect(
      await refusal(ledger.acquire('site-u', { holder: notRunbook, resources: ['machine:m1'] })),
    ).toMatchObject({
      type: 'UnknownHolderError',
      message: expect.stringContaining('workflow type siteLedger is not a rackshift runbook'),
    });
    expect(await ledger.snapshot('site-u')).toEqual(before);
  });

  it('asks about a holder once, keeps it while it holds a lease, and forgets it after', async () => {
    const holder = await openHolder('trust-cache');
    await ledger.acquire('site-v', { holder, resources: ['persona:web-01'] });
    const asked = (await ledgerWork('site-v')).checks;
    expect((await ledger.snapshot('site-v')).verifiedHolders).toEqual([holder]);
    await ledger.acquire('site-v', { holder, resources: ['machine:m-r1-03'] });
    await ledger.place('site-v', {
      holder,
      persona: 'web-01',
      placement: { kind: 'machine', machine: 'm-r1-03' },
    });
    await ledger.setMachine('site-v', { holder, machine: 'm-r1-03', power: 'on' });
    expect((await ledgerWork('site-v')).checks).toBe(asked);
    await ledger.release('site-v', { holder, resources: ['machine:m-r1-03'] });
    expect((await ledger.snapshot('site-v')).verifiedHolders).toEqual([holder]);
    await ledger.release('site-v', { holder });
    expect((await ledger.snapshot('site-v')).verifiedHolders).toEqual([]);
    // Released everything and ended: the next acquire asks again, and is refused.
    await endHolder(temporal.client, holder);
    expect(
      await refusal(ledger.acquire('site-v', { holder, resources: ['persona:web-01'] })),
    ).toMatchObject({ type: 'UnknownHolderError' });
    expect((await ledgerWork('site-v')).checks).toBe(asked + 1);
  });
});

describe('the ledger replays its own history under concurrent Updates', () => {
  it('replays after new holders were checked while other Updates came in', async () => {
    // The chaos soak's stall (issue 11): a holder check run as a local activity inside an Update
    // handler, with another Update accepted meanwhile, wrote a history the SDK cannot replay
    // ("UpdateMachine in state CompletedCommandCreated ..."), so the ledger was stuck as soon as a
    // worker without it in cache took it over.
    const site = 'site-r';
    const known = await openHolder('replay-known');
    await ledger.setMachine(site, { holder: known, machine: 'm0', power: 'on' });
    for (let round = 0; round < 3; round += 1) {
      const fresh = await Promise.all(
        Array.from({ length: 12 }, (_, i) => openHolder(`replay-${round}-${i}`)),
      );
      await Promise.all(
        fresh.flatMap((holder, i) => [
          ledger.acquire(site, { holder, resources: [`machine:m-${round}-${i}`] }),
          ledger.setMachine(site, { holder: known, machine: `m0-${i}`, power: 'off' }),
          ledger.setMachine(site, { holder: known, machine: `m1-${i}`, power: 'on' }),
        ]),
      );
    }
    expect(Object.keys((await ledger.snapshot(site)).leases)).toHaveLength(36);
    // Checked by activities, whose answers are history events; holders that came in together
    // were asked about together.
    const work = await ledgerWork(site);
    expect(work.localActivities).toBe(0);
    expect(work.checks).toBeGreaterThan(0);
    expect(work.checks).toBeLessThan(37);
    const history = await temporal.client.workflow.getHandle(ledgerWorkflowId(site)).fetchHistory();
    await expect(
      Worker.runReplayHistory(
        { workflowBundle: await testWorkflowBundle(), replayName: 'ledger-concurrent' },
        history,
      ),
    ).resolves.toBeUndefined();
  });
});
