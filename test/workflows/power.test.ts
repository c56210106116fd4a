import { WorkflowFailedError } from '@temporalio/client';
import { StaticSecretStore } from '../../common/secrets';
import { LedgerClient } from '../../temporal/ledger-client';
import { TopologyIndex } from '../../inventory/topology-index';
import type { LabMachine } from '../../lab/lab-machine';
import { startWorker, type RunningWorker } from '../../worker/create-worker';
import { TASK_QUEUE } from '../../worker/task-queue';
import type { PowerReport } from '../../workflows/power/power-workflow';
import { InProcessPowerDriver } from '../support/in-process-power-driver';
import { bareLabMachines, labSmall } from '../support/lab-fixtures';
import { startTestTemporal, type TestTemporal } from '../support/temporal-server';
import { testWorkflowBundle } from '../support/workflow-bundle';

jest.setTimeout(60_000);

let temporal: TestTemporal;
let worker: RunningWorker;
let machines: Map<string, LabMachine>;
let seq = 0;
let ledger: LedgerClient;

beforeAll(async () => {
  const topology = await labSmall();
  machines = bareLabMachines(topology);
  temporal = await startTestTemporal();
  ledger = new LedgerClient(temporal.client);
  worker = await startWorker({
    address: temporal.address,
    workflowBundle: await testWorkflowBundle(),
    deps: {
      topology: new TopologyIndex(topology),
      secrets: new StaticSecretStore({}),
      ledger,
      powerDriver: (m) => new InProcessPowerDriver(machines.get(m.id)!),
    },
  });
});

afterAll(async () => {
  await worker?.shutdown();
  await temporal?.stop();
  for (const m of machines?.values() ?? []) m.stop();
});

function run(input: unknown) {
  return temporal.client.workflow.execute('power', {
    taskQueue: TASK_QUEUE,
    workflowId: `power-test-${++seq}-${Date.now()}`,
    args: [input],
  }) as Promise<PowerReport>;
}

async function failureOf(
  input: unknown,
): Promise<{ type?: string; message: string; nonRetryable?: boolean }> {
  try {
    await run(input);
  } catch (e) {
    expect(e).toBeInstanceOf(WorkflowFailedError);
    let cause = (e as WorkflowFailedError).cause as {
      type?: string;
      message: string;
      nonRetryable?: boolean;
      cause?: unknown;
    };
    while (cause.type === undefined && cause.cause !== undefined)
      cause = cause.cause as typeof cause;
    return cause;
  }
  throw new Error('run succeeded');
}

describe('power runbook (real Temporal dev server, in-process BMCs)', () => {
  it('powers a machine on and reports the steps', async () => {
    const m = machines.get('m-r1-03')!;
    const report = await run({ machine: 'm-r1-03', action: 'on', bootDevice: { device: 'pxe' } });
    expect(report).toMatchObject({
      machine: 'm-r1-03',
      stateBefore: 'off',
      stateAfter: 'on',
      alreadyInState: false,
    });
    expect(report.steps.map((s) => s.name)).toEqual([
      'check-ledger',
      'lease',
      'set-boot-device',
      'read-power',
      'power-on',
      'wait-state',
      'record-power',
    ]);
    expect(report.steps.every((s) => s.outcome === 'ok')).toBe(true);
    expect(m.powerState).toBe('on');
    expect(m.actions.filter((a) => a.action === 'bootdev').map((a) => a.detail)).toEqual([
      'pxe efi',
    ]);
  });

  it('is idempotent: on while on presses nothing', async () => {
    const m = machines.get('m-r1-03')!;
    const before = m.count('on');
    const report = await run({ machine: 'm-r1-03', action: 'on' });
    expect(report.alreadyInState).toBe(true);
    expect(m.count('on')).toBe(before);
  });

  it('soft-off: a running OS shuts down within the grace time', async () => {
    const m = machines.get('m-r1-04')!;
    await run({ machine: 'm-r1-04', action: 'on' });
    await new Promise((r) => setTimeout(r, 500));
    expect(m.osState).toBe('running');
    const report = await run({ machine: 'm-r1-04', action: 'soft-off', softOffGraceSeconds: 20 });
    expect(report).toMatchObject({ stateAfter: 'off', fellBackToHardOff: false });
    expect(m.count('off')).toBe(0);
  });

  it('soft-off falls back to a hard off when the OS ignores it', async () => {
    const m = machines.get('m-r2-03')!;
    m.bootHangs = true;
    await run({ machine: 'm-r2-03', action: 'on' });
    const report = await run({ machine: 'm-r2-03', action: 'soft-off', softOffGraceSeconds: 2 });
    expect(report).toMatchObject({ stateAfter: 'off', fellBackToHardOff: true });
    expect(report.steps.map((s) => s.name)).toEqual([
      'check-ledger',
      'lease',
      'read-power',
      'soft-off',
      'wait-off',
      'hard-off',
      'wait-state',
      'record-power',
    ]);
    expect(m.count('soft')).toBe(1);
    expect(m.count('off')).toBe(1);
    m.bootHangs = false;
  });

  it('cycle ends with the machine on', async () => {
    const report = await run({ machine: 'm-r2-04', action: 'cycle' });
    expect(report.stateAfter).toBe('on');
    expect(machines.get('m-r2-04')!.count('cycle')).toBe(1);
  });

  it('records the power state it reached in the ledger and gives its lease back', async () => {
    await run({ machine: 'm-r2-04', action: 'off' });
    const snap = await ledger.snapshot('dc1');
    expect(snap.machines['m-r2-04']).toMatchObject({ power: 'off' });
    expect(Object.keys(snap.leases)).not.toContain('machine:m-r2-04');
    await run({ machine: 'm-r2-04', action: 'on' });
    expect((await ledger.snapshot('dc1')).machines['m-r2-04']).toMatchObject({ power: 'on' });
  });

  it('refuses to switch off a machine the ledger shows running a persona, unless forced', async () => {
    const m = machines.get('m-r1-01')!;
    await run({ machine: 'm-r1-01', action: 'on' });
    const holder = 'test/placement';
    await ledger.acquire('dc1', { holder, resources: ['persona:db-01'] });
    await ledger.place('dc1', {
      holder,
      persona: 'db-01',
      placement: { kind: 'machine', machine: 'm-r1-01' },
    });
    await ledger.release('dc1', { holder });
    for (const action of ['off', 'soft-off', 'cycle']) {
      const failure = await failureOf({ machine: 'm-r1-01', action });
      expect(failure).toMatchObject({ type: 'MachineInUseError', nonRetryable: true });
      expect(failure.message).toBe(
        `m-r1-01 runs db-01 (ledger); power ${action} refused. Move or release it first, or start the run with "force": true (operator role)`,
      );
    }
    expect([m.count('off'), m.count('soft'), m.count('cycle'), m.powerState]).toEqual([
      0,
      0,
      0,
      'on',
    ]);
    expect(Object.keys((await ledger.snapshot('dc1')).leases)).not.toContain('machine:m-r1-01');
    // Powering it on harms nothing; forcing it off does it, and the ledger says so.
    expect((await run({ machine: 'm-r1-01', action: 'on' })).alreadyInState).toBe(true);
    expect(await run({ machine: 'm-r1-01', action: 'off', force: true })).toMatchObject({
      stateAfter: 'off',
    });
    expect((await ledger.snapshot('dc1')).machines['m-r1-01']).toMatchObject({ power: 'off' });
    await ledger.acquire('dc1', { holder, resources: ['persona:db-01'] });
    await ledger.place('dc1', { holder, persona: 'db-01', placement: null });
    await ledger.release('dc1', { holder });
  });

  it('an auth failure ends the run at once with a non-retried BmcAuthError', async () => {
    const m = machines.get('m-r1-02')!;
    m.rejectAuth = true;
    const failure = await failureOf({ machine: 'm-r1-02', action: 'on' });
    m.rejectAuth = false;
    expect(failure.type).toBe('BmcAuthError');
    expect(failure.nonRetryable).toBe(true);
    expect(m.count('on')).toBe(0);
  });

  it('bad input is rejected inside the workflow with field paths', async () => {
    const failure = await failureOf({
      machine: 'M R1;reboot',
      action: 'explode',
      softOffGraceSeconds: 0,
    });
    expect(failure.type).toBe('ValidationError');
    expect(failure.message).toMatch(/input\.machine: /);
    expect(failure.message).toMatch(/input\.action: /);
    expect(failure.message).toMatch(/input\.softOffGraceSeconds: /);
  });

  it('an unknown machine fails with NotFoundError, not retried', async () => {
    const failure = await failureOf({ machine: 'm-nowhere', action: 'on' });
    expect(failure.type).toBe('NotFoundError');
    expect(failure.nonRetryable).toBe(true);
  });
});
