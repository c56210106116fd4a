import type { Client } from '@temporalio/client';

/**
 * temporal/api/enums/v1/task_queue.proto: TASK_QUEUE_KIND_NORMAL and TASK_QUEUE_TYPE_WORKFLOW
 * (proto is no direct dependency).
 */
const KIND_NORMAL = 1;
const TYPE_WORKFLOW = 1;

/** How long each readiness check may take before it counts as failed. */
const CHECK_TIMEOUT_MS = 2000;

export interface Readiness {
  readonly status: 'ready' | 'not-ready';
  readonly checks: {
    readonly temporal: { readonly ok: boolean; readonly error?: string };
    readonly worker: { readonly ok: boolean; readonly pollers: number; readonly error?: string };
  };
}

function within<T>(p: Promise<T>): Promise<T> {
  return Promise.race([
    p,
    new Promise<T>((_, reject) =>
      setTimeout(
        () => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)),
        CHECK_TIMEOUT_MS,
      ).unref(),
    ),
  ]);
}

/**
 * Ready when Temporal answers and at least one worker polls the task queue for workflow tasks
 * (DescribeTaskQueue lists the pollers the server saw in the last minutes): without one, a
 * started run would wait and nobody would say why.
 */
export async function readiness(
  client: Client,
  namespace: string,
  taskQueue: string,
): Promise<Readiness> {
  try {
    await within(client.workflowService.getSystemInfo({}));
  } catch (e) {
    return {
      status: 'not-ready',
      checks: {
        temporal: { ok: false, error: (e as Error).message },
        worker: { ok: false, pollers: 0, error: 'Temporal did not answer' },
      },
    };
  }
  try {
    const { pollers } = await within(
      client.workflowService.describeTaskQueue({
        namespace,
        taskQueue: { name: taskQueue, kind: KIND_NORMAL },
        taskQueueType: TYPE_WORKFLOW,
      }),
    );
    const n = pollers?.length ?? 0;
    const worker =
      n > 0
        ? { ok: true, pollers: n }
        : { ok: false, pollers: 0, error: `no worker polls task queue ${taskQueue}` };
    return {
      status: worker.ok ? 'ready' : 'not-ready',
      checks: { temporal: { ok: true }, worker },
    };
  } catch (e) {
    return {
      status: 'not-ready',
      checks: {
        temporal: { ok: true },
        worker: { ok: false, pollers: 0, error: (e as Error).message },
      },
    };
  }
}
