import { join } from 'node:path';
import { TASK_QUEUE } from '../../worker/task-queue';
import { progressQuery, type RunProgress } from '../../workflows/run-journal';
import type { RunbookReport } from '../../workflows/runbook-report';
import type { GuardStatus } from '../../workflows/site-guard/guard-messages';
import { startFullStack, type FullStack } from '../support/full-stack';
import { ROOT } from '../support/lab-fixtures';
import { stackApi } from '../support/stack-api';
import { spawnWorker, type WorkerProcess } from '../support/worker-process';

jest.setTimeout(600_000);

const RACK_FIRE = join(ROOT, 'examples', 'rack-fire.yaml');
const GUARD = 'site-guard/dc1';
const CHILD = `${GUARD}/e1/repurpose-app-01`;

let stack: FullStack;
const workers: WorkerProcess[] = [];
const api = stackApi(() => stack);

beforeAll(async () => {
  // Slower power and boot, so that the guard's restore is certainly mid-run at the kill.
  stack = await startFullStack({
    source: RACK_FIRE,
    noWorker: true,
    timing: { powerDelayMs: 1000, bootMs: 1500, shutdownMs: 300 },
  });
});

afterAll(async () => {
  await stack?.temporal.client.workflow
    .getHandle(GUARD)
    .terminate('test done')
    .catch(() => undefined);
  for (const w of workers) await w.kill('SIGKILL');
  await stack?.stop();
});

async function worker(): Promise<WorkerProcess> {
  const w = await spawnWorker({
    temporal: stack.temporal.address,
    topologyFile: stack.topologyFile,
    secretsFile: stack.lab.secretsFile,
  });
  workers.push(w);
  return w;
}

async function poll<T>(
  what: string,
  read: () => Promise<T | undefined>,
  timeoutMs = 240_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('a guard-driven restore survives SIGKILL of its worker', () => {
  it('m-r1-10 goes dark; the worker dies while the guard restores app-01; a new one finishes it, the child started once', async () => {
    const first = await worker();
    const home = (await stack.temporal.client.workflow.execute('repurpose', {
      taskQueue: TASK_QUEUE,
      workflowId: 'repurpose/app-01/crash-test',
      args: [{ persona: 'app-01', machine: 'm-r1-10', healthTimeoutSeconds: 60 }],
    })) as RunbookReport;
    expect(home.endedOn).toBe('m-r1-10');

    const res = await api('/api/v1/guards', {
      method: 'POST',
      body: JSON.stringify({
        site: 'dc1',
        intervalSeconds: 1,
        failuresToLose: 2,
        eventWindowSeconds: 0,
        probeParallelism: 32,
        restore: { healthTimeoutSeconds: 120, powerTimeoutSeconds: 60 },
      }),
    });
    expect(res.status).toBe(202);
    const guard = stack.temporal.client.workflow.getHandle(GUARD);
    await poll('a first round', async () =>
      (await guard.query<GuardStatus>('guardStatus')).rounds >= 1 ? true : undefined,
    );
    stack.lab.machine('m-r1-10').setDark(true);

    // Kill once the child has fenced the old machine and is bringing app-01 up elsewhere.
    const child = stack.temporal.client.workflow.getHandle(CHILD);
    const before = await poll('the restore mid-run', async () => {
      const p = await child.query<RunProgress>(progressQuery);
      return p.steps.some((s) => s.name === 'fence-source' && s.outcome === 'ok') &&
        p.state === 'running'
        ? p
        : undefined;
    });
    await first.kill('SIGKILL');
    await worker();

    const report = (await child.result()) as RunbookReport;
    expect(report.outcome).toBe('completed');
    expect(report.endedOn).not.toBe('m-r1-10');
    expect(stack.lab.machine(report.endedOn).bootResult).toMatchObject({
      healthy: true,
      persona: 'app-01',
    });
    expect(report.steps.map((s) => s.name).slice(0, before.steps.length)).toEqual(
      before.steps.map((s) => s.name),
    );

    const status = await poll('the guard recorded it', async () => {
      const s = await guard.query<GuardStatus>('guardStatus');
      return s.events[0]?.actions[0]?.state === 'completed' ? s : undefined;
    });
    expect(status.events).toHaveLength(1);
    expect(status.events[0]).toMatchObject({
      kind: 'machine',
      machines: [{ machine: 'm-r1-10', persona: 'app-01' }],
    });

    // One child, started once: one run in visibility, one start command in the guard's history.
    const runs = [];
    for await (const w of stack.temporal.client.workflow.list({
      query: `WorkflowId STARTS_WITH '${GUARD}/'`,
    }))
      runs.push(w.workflowId);
    expect(runs).toEqual([CHILD]);
    const history = await guard.fetchHistory();
    const initiated = (history.events ?? []).flatMap((e) =>
      e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId
        ? [e.startChildWorkflowExecutionInitiatedEventAttributes.workflowId]
        : [],
    );
    expect(initiated).toEqual([CHILD]);
  });
});
