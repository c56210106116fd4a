import { TASK_QUEUE } from '../../worker/task-queue';
import { progressQuery, type RunProgress } from '../../workflows/run-journal';
import type { RunbookReport } from '../../workflows/runbook-report';
import type { FailoverReport } from '../../workflows/site-failover/failover-report';
import { startFullStack, type FullStack } from '../support/full-stack';
import { ledgerLabDisagreements } from '../support/ledger-lab-check';
import { labVms } from '../support/vm-on-host';
import { vmRestartTopology } from '../support/vm-restart-topology';
import { spawnWorker, type WorkerProcess } from '../support/worker-process';

jest.setTimeout(900_000);

const FAILOVER = 'site-failover/vm-restart/crash';
const CHILD = `${FAILOVER}/web-01`;

let stack: FullStack;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  // Slower power and boot, so that the restart is certainly mid-run at the kill.
  stack = await startFullStack({
    source: vmRestartTopology(),
    noWorker: true,
    timing: { powerDelayMs: 1000, bootMs: 1500, shutdownMs: 300 },
  });
});

afterAll(async () => {
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

const run = <T>(workflow: string, id: string, input: Record<string, unknown>): Promise<T> =>
  stack.temporal.client.workflow.execute(workflow, {
    taskQueue: TASK_QUEUE,
    workflowId: id,
    args: [input],
  }) as Promise<T>;

async function poll<T>(what: string, read: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 300_000;
  for (;;) {
    const v = await read().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('a VM restart survives SIGKILL of its worker', () => {
  it('m-r2-01 dies with web-01 on it; the worker dies mid-restart; a new one finishes, the host fenced and the child started once', async () => {
    const first = await worker();
    for (const machine of ['m-r2-01', 'm-r2-02'])
      await run<RunbookReport>('hypervisorBringup', `hypervisor-bringup/${machine}/crash`, {
        machine,
        readyTimeoutSeconds: 120,
        powerTimeoutSeconds: 60,
      });
    const placed = await run<RunbookReport>('p2v', 'p2v/web-01/crash', {
      persona: 'web-01',
      host: 'm-r2-01',
      mode: 'san',
      healthTimeoutSeconds: 120,
    });
    expect(placed.endedOn).toBe('vm@m-r2-01');
    stack.lab.machine('m-r2-01').setDark(true);

    const failover = await stack.temporal.client.workflow.start('siteFailover', {
      taskQueue: TASK_QUEUE,
      workflowId: FAILOVER,
      args: [{ machines: ['m-r2-01'], fence: 'full', healthTimeoutSeconds: 120 }],
    });
    // Kill once the restart has fenced its LUNs and is defining the VM on the new host.
    const child = stack.temporal.client.workflow.getHandle(CHILD);
    const before = await poll('the restart mid-run', async () => {
      const p = await child.query<RunProgress>(progressQuery);
      return p.state === 'running' && p.steps.some((s) => s.name === 'fence-source')
        ? p
        : undefined;
    });
    await first.kill('SIGKILL');
    await worker();

    const report = (await failover.result()) as FailoverReport;
    expect(report.outcome).toBe('completed');
    const restored = report.personas.find((p) => p.persona === 'web-01')!;
    expect(restored).toMatchObject({ outcome: 'restored', run: CHILD });
    expect(restored.endedOn).toBe('vm@m-r2-02');
    expect(restored.steps.map((s) => s.name).slice(0, before.steps.length)).toEqual(
      before.steps.map((s) => s.name),
    );
    expect(report.deadHosts).toEqual([
      { machine: 'm-r2-01', vms: ['web-01'], fenced: true, power: 'unconfirmed' },
    ]);

    // The host fenced once, before the VM started; the VM defined and running on one host only.
    const steps = (await failover.query(progressQuery)).steps;
    const fence = steps.filter((s) => s.name === 'fence-host-luns');
    expect(fence).toHaveLength(1);
    const start = restored.steps.find((s) => s.name === 'start-vm')!;
    expect(Date.parse(start.startedAt)).toBeGreaterThanOrEqual(Date.parse(fence[0]!.endedAt!));
    expect(labVms(stack, 'm-r2-02')['web-01']).toMatchObject({ state: 'running' });
    const iqn = (m: string) =>
      stack.topology.sites[0]!.machines.find((x) => x.id === m)!.storage.iqn!;
    expect(stack.lab.sanView!.lunsVisibleTo('array-1', iqn('m-r2-01'))).not.toContain(
      'web-01-boot',
    );

    // One child, started once: one run in visibility, one start command in the failover's history.
    const runs = [];
    for await (const w of stack.temporal.client.workflow.list({
      query: `WorkflowId STARTS_WITH '${FAILOVER}/'`,
    }))
      runs.push(w.workflowId);
    expect(runs).toEqual([CHILD]);
    const history = await failover.fetchHistory();
    const initiated = (history.events ?? []).flatMap((e) =>
      e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId
        ? [e.startChildWorkflowExecutionInitiatedEventAttributes.workflowId]
        : [],
    );
    expect(initiated).toEqual([CHILD]);

    const ledgers = await Promise.all(
      stack.topology.sites.map((s) => stack.ledger.snapshot(s.name)),
    );
    expect(ledgerLabDisagreements(stack.lab, stack.topology, ledgers)).toEqual([]);
  });
});
