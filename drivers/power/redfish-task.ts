import { setTimeout as sleep } from 'node:timers/promises';
import { taskSchema } from './redfish-schemas';

export type TaskOutcome =
  | { readonly kind: 'running' }
  | { readonly kind: 'done' }
  | { readonly kind: 'failed'; readonly detail: string };

const FINISHED_OK = ['Completed'];
const FINISHED_BADLY = ['Exception', 'Killed', 'Cancelled'];

/**
 * One answer of a task monitor (DSP0266 "asynchronous operations"): 202 while the task
 * runs; once it is finished, the operation's own response, which many BMCs give as the Task
 * resource itself with a final TaskState.
 */
export function taskOutcome(status: number, body: unknown): TaskOutcome {
  if (status === 202) return { kind: 'running' };
  if (status < 200 || status > 299)
    return { kind: 'failed', detail: `task monitor answered HTTP ${status}` };
  const task = taskSchema.safeParse(body);
  const state = task.success ? task.data.TaskState : undefined;
  if (state === undefined || FINISHED_OK.includes(state)) return { kind: 'done' };
  if (FINISHED_BADLY.includes(state)) {
    const messages = (task.success ? (task.data.Messages ?? []) : [])
      .map((m) => m.Message)
      .filter((m) => m !== undefined);
    return {
      kind: 'failed',
      detail: `task ended ${state}${messages.length > 0 ? `: ${messages.join('; ')}` : ''}`,
    };
  }
  return { kind: 'running' };
}

/** Polls until the task is finished; 'timeout' when `timeoutMs` passes first. */
export async function waitForTask(
  poll: () => Promise<{ status: number; body: unknown }>,
  options: { readonly timeoutMs: number; readonly pollIntervalMs: number },
): Promise<Exclude<TaskOutcome, { kind: 'running' }> | { readonly kind: 'timeout' }> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const res = await poll();
    const outcome = taskOutcome(res.status, res.body);
    if (outcome.kind !== 'running') return outcome;
    if (Date.now() + options.pollIntervalMs > deadline) return { kind: 'timeout' };
    await sleep(options.pollIntervalMs);
  }
}
