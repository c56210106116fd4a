import { NativeConnection, Worker, bundleWorkflowCode } from '@temporalio/worker';
import { NAMESPACE, TASK_QUEUE } from '../../worker/task-queue';

export interface StandInWorker {
  stop(): Promise<void>;
}

/**
 * A worker on rackshift's task queue that runs TEST STAND-IN workflows from one fixture file
 * (registered under real workflow types), so the API is tested against real Temporal runs
 * without the runbooks behind them.
 */
export async function startStandInWorker(
  address: string,
  workflowsPath: string,
): Promise<StandInWorker> {
  const workflowBundle = await bundleWorkflowCode({
    workflowsPath,
    logger: {
      trace() {},
      debug() {},
      info() {},
      warn() {},
      error: console.error,
      log() {},
    } as never,
  });
  const connection = await NativeConnection.connect({ address });
  const worker = await Worker.create({
    connection,
    namespace: NAMESPACE,
    taskQueue: TASK_QUEUE,
    workflowBundle,
    shutdownGraceTime: '2s',
  });
  const done = worker.run();
  return {
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
      await connection.close();
    },
  };
}
