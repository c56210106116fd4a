import { WorkflowFailedError } from '@temporalio/client';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EnvAndFileSecretStore } from '../../common/secrets';
import type { Lab } from '../../lab/lab';
import { startLab } from '../../lab/start-lab';
import { LedgerClient } from '../../temporal/ledger-client';
import { startWorker, type RunningWorker } from '../../worker/create-worker';
import { TASK_QUEUE } from '../../worker/task-queue';
import { realActivityDeps } from '../../worker/worker-deps';
import type { PowerReport } from '../../workflows/power/power-workflow';
import { relocatedTopology } from '../support/relocated-topology';
import { startTestTemporal, type TestTemporal } from '../support/temporal-server';
import { testWorkflowBundle } from '../support/workflow-bundle';

jest.setTimeout(120_000);

/**
 * The power runbook with the real drivers: ipmitool → ipmi_sim, and HTTPS → the lab Redfish BMC.
 */
let temporal: TestTemporal;
let lab: Lab;
let worker: RunningWorker;
let seq = 0;

beforeAll(async () => {
  const { topology } = await relocatedTopology();
  lab = await startLab({
    topology,
    dataDir: mkdtempSync(join(tmpdir(), 'rackshift-e2e-lab-')),
    only: ['ipmi', 'redfish'],
    timing: { powerDelayMs: 300, bootMs: 400, shutdownMs: 300 },
  });
  temporal = await startTestTemporal();
  worker = await startWorker({
    address: temporal.address,
    workflowBundle: await testWorkflowBundle(),
    deps: realActivityDeps(
      topology,
      new EnvAndFileSecretStore({}, lab.secretsFile),
      new LedgerClient(temporal.client),
    ),
  });
});

afterAll(async () => {
  await worker?.shutdown();
  await lab?.stop();
  await temporal?.stop();
});

const run = (input: unknown) =>
  temporal.client.workflow.execute('power', {
    taskQueue: TASK_QUEUE,
    workflowId: `power-e2e-${++seq}-${Date.now()}`,
    args: [input],
  }) as Promise<PowerReport>;

async function failure(
  input: unknown,
): Promise<{ type?: string; nonRetryable?: boolean; message: string }> {
  const e = await run(input).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(WorkflowFailedError);
  let cause = (e as WorkflowFailedError).cause as {
    type?: string;
    nonRetryable?: boolean;
    message: string;
    cause?: unknown;
  };
  while (cause.type === undefined && cause.cause !== undefined) cause = cause.cause as typeof cause;
  return cause;
}

describe.each([
  ['IPMI (ipmi_sim)', 'm-r1-01', 'm-r1-02'],
  ['Redfish (lab BMC)', 'm-r1-03', 'm-r1-04'],
])('power runbook over %s', (_kind, machine, other) => {
  it('sets PXE boot, powers on, and the lab machine knows it must PXE boot', async () => {
    const report = await run({
      machine,
      action: 'on',
      bootDevice: { device: 'pxe', persistent: true, uefi: true },
    });
    expect(report).toMatchObject({ stateBefore: 'off', stateAfter: 'on' });
    // ipmi_sim keeps only the device (a one-shot PXE override); Redfish keeps the flags too.
    expect(
      lab
        .machine(machine)
        .actions.filter((a) => a.action === 'bootdev')
        .map((a) => a.detail),
    ).toEqual([expect.stringMatching(/^pxe/)]);
    expect(lab.machine(machine).powerState).toBe('on');
  });

  it('soft-off falls back to a hard off when the OS ignores it', async () => {
    const m = lab.machine(other);
    m.bootHangs = true;
    await run({ machine: other, action: 'on' });
    const report = await run({ machine: other, action: 'soft-off', softOffGraceSeconds: 2 });
    m.bootHangs = false;
    expect(report).toMatchObject({ stateAfter: 'off', fellBackToHardOff: true });
    expect(m.powerState).toBe('off');
  });

  it('a rejected password ends the run with a non-retried BmcAuthError', async () => {
    const m = lab.machine(other);
    m.rejectAuth = true;
    const f = await failure({ machine: other, action: 'on' });
    m.rejectAuth = false;
    expect(f).toMatchObject({ type: 'BmcAuthError', nonRetryable: true });
    expect(f.message).not.toContain(lab.credentials['lab-bmc']!.password!);
  });
});
