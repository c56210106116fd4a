import {
  NativeConnection,
  Worker,
  type ActivityInterceptorsFactory,
  type WorkflowBundleOption,
} from '@temporalio/worker';
import type { DataConverter, Duration } from '@temporalio/common';
import type { TlsSettings } from '../temporal/connection-config';
import { createActivities } from '../activities/create-activities';
import type { ActivityDeps } from '../activities/activity-deps';
import { NAMESPACE, TASK_QUEUE } from './task-queue';
import { workflowsPath } from './workflow-bundle';

export interface WorkerOptions {
  readonly address: string;
  /**
   * Defaults: namespace `default`, task queue `rackshift`, plain gRPC (see
   * temporal/connection-config.ts).
   */
  readonly namespace?: string;
  readonly taskQueue?: string;
  readonly tls?: TlsSettings;
  readonly apiKey?: string;
  /** gRPC metadata on every call (a Temporal profile's `grpc_meta`). */
  readonly metadata?: Readonly<Record<string, string>>;
  /** The payload codec (connection-config's dataConverterOf); the client's must match. */
  readonly dataConverter?: DataConverter;
  /** How long shutdown() lets running activities finish before cancelling them (default 5 s). */
  readonly shutdownGraceTime?: Duration;
  readonly deps: ActivityDeps;
  /** A prebuilt bundle (tests bundle once per suite); without it the worker bundles at start. */
  readonly workflowBundle?: WorkflowBundleOption;
  readonly identity?: string;
  readonly maxConcurrentActivityTaskExecutions?: number;
  /** Workflows kept in memory between tasks (the SDK's default sizes it from the heap limit). */
  readonly maxCachedWorkflows?: number;
  /** Activity interceptors (tests inject faults with one). */
  readonly activityInterceptors?: ActivityInterceptorsFactory[];
}

export interface RunningWorker {
  readonly worker: Worker;
  readonly connection: NativeConnection;
  /** Resolves when the worker has stopped (after shutdown() or a fatal error). */
  readonly done: Promise<void>;
  shutdown(): Promise<void>;
}

export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const connection = await NativeConnection.connect({
    address: options.address,
    ...(options.tls !== undefined && { tls: options.tls }),
    ...(options.apiKey !== undefined && { apiKey: options.apiKey }),
    ...(options.metadata !== undefined && { metadata: { ...options.metadata } }),
  });
  const worker = await Worker.create({
    connection,
    namespace: options.namespace ?? NAMESPACE,
    taskQueue: options.taskQueue ?? TASK_QUEUE,
    activities: createActivities(options.deps),
    ...(options.dataConverter !== undefined && { dataConverter: options.dataConverter }),
    ...(options.workflowBundle !== undefined
      ? { workflowBundle: options.workflowBundle }
      : { workflowsPath: workflowsPath() }),
    ...(options.identity !== undefined && { identity: options.identity }),
    maxConcurrentActivityTaskExecutions: options.maxConcurrentActivityTaskExecutions ?? 50,
    ...(options.maxCachedWorkflows !== undefined && {
      maxCachedWorkflows: options.maxCachedWorkflows,
    }),
    ...(options.activityInterceptors !== undefined && {
      interceptors: { activity: options.activityInterceptors },
    }),
    shutdownGraceTime: options.shutdownGraceTime ?? '5s',
    // After a worker dies, its sticky queue holds the workflows' next tasks (and queries, such as
    // the ledger's snapshot behind /boot/ipxe) until this passes; keep that window short.
    stickyQueueScheduleToStartTimeout: '3s',
  });
  const done = worker.run().finally(() => connection.close());
  return {
    worker,
    connection,
    done,
    async shutdown() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
}
