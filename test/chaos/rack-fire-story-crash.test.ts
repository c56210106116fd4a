import type { WorkflowExecutionInfo } from '@temporalio/client';
import type { FailoverPlan } from '../../domain/planner/failover-plan';
import { progressQuery, type RunProgress } from '../../workflows/run-journal';
import type { FailoverReport } from '../../workflows/site-failover/failover-report';
import { startFullStack, type FullStack } from '../support/full-stack';
import { expectStoryRestored, STORY } from '../support/story-checks';
import type { WorkerProcess } from '../support/worker-process';
import { childRuns, expectEachChildStartedOnce, workerPool } from '../support/failover-children';

jest.setTimeout(600_000);

let stack: FullStack;
const workers = workerPool(() => stack);

beforeAll(async () => {
  // Slower power and boot than the runbook tests, so that the hosts are certainly mid-bring-up at
  // the kill.
  stack = await startFullStack({
    source: STORY,
    noWorker: true,
    timing: { powerDelayMs: 1000, bootMs: 1500, shutdownMs: 300 },
  });
});

afterAll(async () => {
  await workers.killAll();
  await stack?.stop();
});

const worker = (): Promise<WorkerProcess> => workers.spawn();

describe('the story’s rack fire survives SIGKILL of its worker while its two new hosts come up', () => {
  it('the worker dies with both host bring-ups in flight; a new one finishes the same plan, each child started once, everything promised restored', async () => {
    stack.lab.burnRack('r1');
    const first = await worker();
    const started = Date.now();
    const res = await fetch(`${stack.api.url}/api/v1/runbooks/site-failover/runs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        input: { racks: ['r1'], healthTimeoutSeconds: 120, powerTimeoutSeconds: 60 },
      }),
    });
    expect(res.status).toBe(202);
    const { runId: failoverId } = (await res.json()) as { runId: string };
    const handle = stack.temporal.client.workflow.getHandle(failoverId);

    // Kill once both hosts' bring-ups run at once (priority groups 1 and 2 are done by then).
    let before: RunProgress | undefined;
    let inFlight: WorkflowExecutionInfo[] = [];
    for (let i = 0; i < 2400 && before === undefined; i += 1) {
      inFlight = await childRuns(stack, failoverId, ` AND ExecutionStatus = 'Running'`);
      if (inFlight.filter((w) => w.workflowId.startsWith(`${failoverId}/host-`)).length === 2)
        before = await handle.query(progressQuery);
      else await new Promise((r) => setTimeout(r, 100));
    }
    if (before === undefined)
      throw new Error(`never saw both host bring-ups running at once:\n${first.output()}`);
    const planBefore = (before.report as FailoverReport).plan;
    await first.kill('SIGKILL');
    const killedAt = Date.now();
    await worker();

    const report = (await handle.result()) as FailoverReport;
    const seconds = (Date.now() - started) / 1000;
    // The plan is the one shown before the kill, not a second plan.
    expect(report.plan).toEqual(planBefore);
    const plan = report.plan as FailoverPlan;
    await expectStoryRestored(stack, report);
    expect(report.outcome).toBe('completed');

    // Each child id was started exactly once: one run per id in visibility, one start command in
    // the parent's history.
    const expectedIds = await expectEachChildStartedOnce(stack, failoverId, plan);
    console.log(
      `rack-fire story crash: killed the worker ${((killedAt - started) / 1000).toFixed(1)} s in with ${inFlight.length} child runs in flight ` +
        `(${inFlight.map((w) => w.workflowId.slice(failoverId.length + 1)).join(', ')}); completed in ${seconds.toFixed(1)} s ` +
        `(${((Date.now() - killedAt) / 1000).toFixed(1)} s after the kill); ${expectedIds.length} child runs, each started once`,
    );
  });
});
