import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Lab } from '../../lab/lab';
import { startLab } from '../../lab/start-lab';
import { TASK_QUEUE } from '../../worker/task-queue';
import type { PowerReport } from '../../workflows/power/power-workflow';
import { progressQuery } from '../../workflows/run-journal';
import { relocatedTopology } from '../support/relocated-topology';
import { startTestTemporal, type TestTemporal } from '../support/temporal-server';
import { spawnWorker, type WorkerProcess } from '../support/worker-process';

jest.setTimeout(180_000);

/**
 * Real processes end to end: Temporal dev server, ipmi_sim + lab Redfish BMCs, and workers in
 * their own OS processes driving them through ipmitool and HTTPS. The lab's power transitions
 * take 8 s, so the runs are certainly waiting for power state when the crash comes.
 */
let temporal: TestTemporal;
let lab: Lab;
let topologyFile: string;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  const relocated = await relocatedTopology();
  topologyFile = relocated.file;
  lab = await startLab({
    topology: relocated.topology,
    dataDir: mkdtempSync(join(tmpdir(), 'rackshift-chaos-lab-')),
    only: ['ipmi', 'redfish'],
    timing: { powerDelayMs: 8000, bootMs: 500, shutdownMs: 300 },
  });
  temporal = await startTestTemporal();
});

afterAll(async () => {
  for (const w of workers) await w.kill('SIGKILL');
  await lab?.stop();
  await temporal?.stop();
});

async function worker(): Promise<WorkerProcess> {
  const w = await spawnWorker({
    temporal: temporal.address,
    topologyFile,
    secretsFile: lab.secretsFile,
  });
  workers.push(w);
  return w;
}

async function waitForStep(workflowId: string, step: string): Promise<void> {
  for (let i = 0; i < 300; i += 1) {
    const progress = await temporal.client.workflow
      .getHandle(workflowId)
      .query(progressQuery)
      .catch(() => undefined);
    if (progress?.step === step) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${workflowId} never reached ${step}`);
}

describe('power runbook under crashes (real worker processes, ipmi_sim, lab Redfish)', () => {
  it('survives SIGKILL of the worker while waiting for power state; the BMC saw one "on"', async () => {
    const first = await worker();
    const ids = ['m-r1-01', 'm-r1-03'].map((m) => `power/${m}/crash-${Date.now()}`);
    const handles = await Promise.all(
      ids.map((workflowId, i) =>
        temporal.client.workflow.start('power', {
          taskQueue: TASK_QUEUE,
          workflowId,
          args: [{ machine: ['m-r1-01', 'm-r1-03'][i], action: 'on' }],
        }),
      ),
    );
    await Promise.all(ids.map((id) => waitForStep(id, 'wait-state')));
    await first.kill('SIGKILL');
    await worker();
    const reports = (await Promise.all(handles.map((h) => h.result()))) as PowerReport[];
    for (const r of reports)
      expect(r).toMatchObject({ stateBefore: 'off', stateAfter: 'on', alreadyInState: false });
    // IPMI (m-r1-01, through ipmi_sim's chassis_control) and Redfish (m-r1-03): one press each.
    expect(lab.machine('m-r1-01').count('on')).toBe(1);
    expect(lab.machine('m-r1-03').count('on')).toBe(1);
    expect(lab.machine('m-r1-01').powerState).toBe('on');
  });

  it('survives a restart of the Temporal server on its SQLite file mid-run', async () => {
    if (workers.every((w) => w.child.exitCode !== null || w.child.signalCode !== null))
      await worker();
    const workflowId = `power/m-r2-01/restart-${Date.now()}`;
    await temporal.client.workflow.start('power', {
      taskQueue: TASK_QUEUE,
      workflowId,
      args: [{ machine: 'm-r2-01', action: 'on' }],
    });
    await waitForStep(workflowId, 'wait-state');
    await temporal.restart({ crash: true, downMs: 1000 });
    const described = await temporal.client.workflow.getHandle(workflowId).describe();
    expect(described.status.name).toBe('RUNNING');
    const report = (await temporal.client.workflow.getHandle(workflowId).result()) as PowerReport;
    expect(report.stateAfter).toBe('on');
    expect(lab.machine('m-r2-01').count('on')).toBe(1);
  });
});
