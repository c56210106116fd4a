import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { GuardActivities } from '../../activities/guard-activities';
import type { LedgerActivities } from '../../activities/ledger-activities';
import type { PowerActivities } from '../../activities/power-activities';
import type { StorageActivities } from '../../activities/storage-activities';
import type { SwitchActivities } from '../../activities/switch-activities';
import type { PowerState } from '../../drivers/power/power-driver';
import { NAMESPACE } from '../../worker/task-queue';
import type { RestoreStandIn } from '../support/fence-workflows';
import { startTestTemporal, type TestTemporal } from '../support/temporal-server';

jest.setTimeout(120_000);

const QUEUE = 'fence-test';

type Fakes = Pick<PowerActivities, 'readPowerState' | 'requestPower' | 'waitForPowerState'> &
  Pick<SwitchActivities, 'readPorts' | 'configurePorts'> &
  Pick<GuardActivities, 'cabledPorts'> &
  Pick<StorageActivities, 'unmaskLuns'> &
  Pick<LedgerActivities, 'ledgerSetMachine'> &
  RestoreStandIn;

/** What the fakes were asked, in order, and how the devices behave in this case. */
let calls: Array<[string, unknown]> = [];
let device: { bmc: PowerState | 'dark'; arrayRefuses: boolean } = {
  bmc: 'on',
  arrayRefuses: false,
};

const asked =
  <A extends unknown[], R>(name: string, answer: (...a: A) => R) =>
  async (...a: A): Promise<R> => {
    calls.push([name, a.length === 1 ? a[0] : a]);
    return answer(...a);
  };

const fakes: Fakes = {
  readPowerState: asked('readPowerState', () => {
    if (device.bmc === 'dark')
      throw ApplicationFailure.nonRetryable('no answer from 10.0.1.5', 'PowerTimeoutError');
    return device.bmc;
  }),
  requestPower: asked('requestPower', () => {
    device.bmc = 'off';
    return { machine: 'm-1', action: 'off' as const };
  }) as unknown as Fakes['requestPower'],
  waitForPowerState: asked('waitForPowerState', () => ({
    reached: device.bmc === 'off',
    state: device.bmc as PowerState,
    polls: 1,
  })),
  cabledPorts: asked('cabledPorts', () => [{ switchId: 'sw-1', port: 'Ethernet1' }]),
  readPorts: asked('readPorts', () => [
    { switchId: 'sw-1', port: 'Ethernet1', mode: 'access' as const, accessVlan: 110 },
  ]) as unknown as Fakes['readPorts'],
  configurePorts: asked('configurePorts', () => ({
    changed: ['sw-1 Ethernet1'],
  })) as unknown as Fakes['configurePorts'],
  unmaskLuns: asked('unmaskLuns', () => {
    if (device.arrayRefuses)
      throw ApplicationFailure.nonRetryable('array-1 refused: target busy', 'StorageError');
    return { changed: [] };
  }) as unknown as Fakes['unmaskLuns'],
  ledgerSetMachine: asked('ledgerSetMachine', () => ({
    previous: null,
  })) as unknown as Fakes['ledgerSetMachine'],
  restore: asked('restore', () => undefined),
};

let temporal: TestTemporal;
let worker: { w: Worker; connection: NativeConnection; done: Promise<void> };
let seq = 0;

beforeAll(async () => {
  temporal = await startTestTemporal();
  const connection = await NativeConnection.connect({ address: temporal.address });
  const w = await Worker.create({
    connection,
    namespace: NAMESPACE,
    taskQueue: QUEUE,
    workflowsPath: require.resolve('../support/fence-workflows'),
    activities: fakes,
  });
  worker = { w, connection, done: w.run() };
});

afterAll(async () => {
  if (worker) {
    worker.w.shutdown();
    await worker.done;
    await worker.connection.close();
  }
  await temporal?.stop();
});

beforeEach(() => {
  calls = [];
  device = { bmc: 'on', arrayRefuses: false };
});

const LUNS = {
  initiator: 'iqn.2024-01.lab:m-1',
  luns: [
    { array: 'array-1', lun: 'web-01-boot' },
    { array: 'array-1', lun: 'web-01-data' },
  ],
};

const fence = (full = true) =>
  temporal.client.workflow.execute('fenceThenRestore', {
    taskQueue: QUEUE,
    workflowId: `fence-test-${++seq}`,
    args: [{ machine: 'm-1', site: 'dc1', full, luns: LUNS }],
  }) as Promise<{
    fence: { power: string; lunsUnmasked: number };
    steps: Array<{ name: string; detail?: string }>;
  }>;

const names = (): string[] => calls.map(([n]) => n);
const recorded = (): unknown => calls.find(([n]) => n === 'ledgerSetMachine')?.[1];

describe('the one fence of a dead machine (real Temporal dev server, fake devices)', () => {
  it('BMC answers: powers it off, shuts its ports, takes its LUNs, records it off, then restores', async () => {
    const r = await fence();
    expect(names()).toEqual([
      'readPowerState',
      'requestPower',
      'waitForPowerState',
      'cabledPorts',
      'readPorts',
      'configurePorts',
      'unmaskLuns',
      'ledgerSetMachine',
      'restore',
    ]);
    expect(calls.find(([n]) => n === 'requestPower')?.[1]).toEqual({
      machine: 'm-1',
      action: 'off',
    });
    expect(calls.find(([n]) => n === 'configurePorts')?.[1]).toEqual({
      ports: [
        { switchId: 'sw-1', port: 'Ethernet1', mode: 'access', accessVlan: 110, shutdown: true },
      ],
    });
    expect(calls.find(([n]) => n === 'unmaskLuns')?.[1]).toEqual({
      array: 'array-1',
      masks: LUNS.luns.map((l) => ({ lun: l.lun, initiator: LUNS.initiator })),
    });
    expect(recorded()).toEqual([
      'dc1',
      { holder: expect.any(String), machine: 'm-1', power: 'off', healthy: false },
    ]);
    expect(r.fence).toEqual({ power: 'off', lunsUnmasked: 2 });
    expect(r.steps.find((s) => s.name === 'fence-power')?.detail).toBe('powered off');
  });

  it('BMC dead: goes on with the ports and the LUNs, and records power unknown (unconfirmed)', async () => {
    device.bmc = 'dark';
    const r = await fence();
    expect(names()).toEqual([
      'readPowerState',
      'cabledPorts',
      'readPorts',
      'configurePorts',
      'unmaskLuns',
      'ledgerSetMachine',
      'restore',
    ]);
    expect(recorded()).toEqual([
      'dc1',
      { holder: expect.any(String), machine: 'm-1', power: 'unknown', healthy: false },
    ]);
    expect(r.fence).toEqual({ power: 'unconfirmed', lunsUnmasked: 2 });
    expect(r.steps.find((s) => s.name === 'fence-power')?.detail).toMatch(
      /^BMC does not answer: no answer from 10\.0\.1\.5/,
    );
    expect(r.steps.find((s) => s.name === 'fence-record')?.detail).toBe(
      'power unknown (unconfirmed), unhealthy',
    );
  });

  it('fence luns only: the BMC and switch are not asked; power stays unconfirmed', async () => {
    const r = await fence(false);
    expect(names()).toEqual(['unmaskLuns', 'ledgerSetMachine', 'restore']);
    expect(r.fence.power).toBe('unconfirmed');
  });

  it('an array refuses the unmask: a FenceError, nothing restored, nothing recorded', async () => {
    device.arrayRefuses = true;
    const failure = await fence().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const cause = (failure as WorkflowFailedError).cause as ApplicationFailure;
    expect(cause.type).toBe('FenceError');
    expect(cause.message).toMatch(
      /^m-1 could not be fenced \(its LUNs stay masked to iqn\.2024-01\.lab:m-1\).*array-1 refused: target busy/,
    );
    expect(names()).not.toContain('restore');
    expect(names()).not.toContain('ledgerSetMachine');
    expect(names().at(-1)).toBe('unmaskLuns');
  });
});
