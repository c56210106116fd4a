import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import type { FailoverPlan } from '../../domain/planner/failover-plan';
import type { FullStack } from './full-stack';
import { spawnWorker, type WorkerProcess } from './worker-process';

/**
 * Worker processes of a stack started without one, for chaos tests that SIGKILL them; `killAll` in
 * afterAll.
 */
export function workerPool(stack: () => FullStack): {
  spawn(): Promise<WorkerProcess>;
  killAll(): Promise<void>;
} {
  const workers: WorkerProcess[] = [];
  return {
    async spawn() {
      const s = stack();
      const w = await spawnWorker({
        temporal: s.temporal.address,
        topologyFile: s.topologyFile,
        secretsFile: s.lab.secretsFile,
      });
      workers.push(w);
      return w;
    },
    async killAll() {
      for (const w of workers) await w.kill('SIGKILL');
    },
  };
}

/**
 * Where the failover ran: a FullStack of this process, or the Temporal of a `rackshift dev`
 * process.
 */
export interface TemporalOf {
  readonly temporal: { readonly client: Client };
}

/** Every run (all run ids) of a failover's children, from visibility; `extra` narrows the query. */
export async function childRuns(
  stack: TemporalOf,
  failoverId: string,
  extra = '',
): Promise<WorkflowExecutionInfo[]> {
  const runs: WorkflowExecutionInfo[] = [];
  for await (const w of stack.temporal.client.workflow.list({
    query: `WorkflowId STARTS_WITH '${failoverId}/'${extra}`,
  }))
    runs.push(w);
  return runs;
}

/**
 * Each child the plan calls for (host bring-ups, restorations) was started exactly once and
 * completed: one run per id in visibility, one start command in the parent's history. Returns the
 * ids.
 */
export async function expectEachChildStartedOnce(
  stack: TemporalOf,
  failoverId: string,
  plan: FailoverPlan,
): Promise<string[]> {
  const expectedIds = [
    ...plan.hypervisorHosts.map((h) => `${failoverId}/host-${h.machine}`),
    ...plan.restorations
      .filter((r) => r.outcome === 'restored')
      .map((r) => `${failoverId}/${r.persona}`),
  ].sort();
  const runs = await childRuns(stack, failoverId);
  expect(runs.map((r) => r.workflowId).sort()).toEqual(expectedIds);
  expect(
    runs
      .filter((r) => r.status.name !== 'COMPLETED')
      .map((r) => `${r.workflowId}: ${r.status.name}`),
  ).toEqual([]);
  const history = await stack.temporal.client.workflow.getHandle(failoverId).fetchHistory();
  const initiated = (history.events ?? []).flatMap((e) =>
    e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId
      ? [e.startChildWorkflowExecutionInitiatedEventAttributes.workflowId]
      : [],
  );
  expect(initiated.sort()).toEqual(expectedIds);
  return expectedIds;
}
