import { WorkflowFailedError } from '@temporalio/client';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TASK_QUEUE } from '../../worker/task-queue';
import { freePort } from '../support/free-port';
import { ROOT } from '../support/lab-fixtures';
import { startTestTemporal, type TestTemporal } from '../support/temporal-server';
import { spawnWorker, type WorkerProcess } from '../support/worker-process';

/*
 * `rackshift worker --metrics host:port` serves the Temporal SDK's own metrics through the SDK
 * runtime's Prometheus exporter. A real worker process, a run that ends (a power run refused for
 * its input: no hardware needed), then a scrape.
 */
jest.setTimeout(120_000);

let temporal: TestTemporal;
let worker: WorkerProcess | undefined;
let dir: string;

beforeAll(async () => {
  temporal = await startTestTemporal();
  dir = mkdtempSync(join(tmpdir(), 'rackshift-worker-metrics-'));
});

afterAll(async () => {
  await worker?.kill();
  await temporal?.stop();
  rmSync(dir, { recursive: true, force: true });
});

it('serves the SDK worker metrics for Prometheus, counting the workflows it ran by type', async () => {
  const secrets = join(dir, 'secrets.yaml');
  writeFileSync(secrets, '{}\n', { mode: 0o600 });
  const listen = `127.0.0.1:${await freePort()}`;
  worker = await spawnWorker({
    temporal: temporal.address,
    topologyFile: join(ROOT, 'examples', 'lab-small.yaml'),
    secretsFile: secrets,
    args: ['--metrics', listen],
  });
  expect(worker.output()).toContain(`metrics on http://${listen}/metrics`);

  await expect(
    temporal.client.workflow.execute('power', {
      taskQueue: TASK_QUEUE,
      workflowId: `power/metrics-${Date.now()}`,
      args: [{ machine: 'NOT AN ID', action: 'on' }],
    }),
  ).rejects.toBeInstanceOf(WorkflowFailedError);
  let text = '';
  for (
    let i = 0;
    i < 50 && !/temporal_workflow_failed_total\{[^}]*workflow_type="power"[^}]*\} [1-9]/.test(text);
    i += 1
  ) {
    // The exporter publishes what the SDK core aggregated, every second.
    text = await (await fetch(`http://${listen}/metrics`)).text();
    await new Promise((r) => setTimeout(r, 200));
  }
  expect(text).toMatch(/temporal_workflow_failed_total\{[^}]*workflow_type="power"[^}]*\} 1\n/);
  expect(text).toMatch(/temporal_worker_task_slots_available\{/);
  expect(text).toMatch(/temporal_request_total\{/);
});
