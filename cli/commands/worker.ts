import { Client } from '@temporalio/client';
import { InvalidArgumentError, type Command } from 'commander';
import { EnvAndFileSecretStore } from '../../common/secrets';
import { loadTopologyFile } from '../../inventory/load-topology';
import { labDiskTransfer } from '../../lab/disk/lab-disk-endpoints';
import { LedgerClient } from '../../temporal/ledger-client';
import { startWorker } from '../../worker/create-worker';
import { NAMESPACE } from '../../worker/task-queue';
import { installRuntimeLogging } from '../../worker/runtime-logging';
import { realActivityDeps } from '../../worker/worker-deps';
import { connectTemporal } from '../../temporal/connect';

export function registerWorkerCommands(program: Command): void {
  program
    .command('worker')
    .description('run a rackshift worker (workflows and hardware activities) against a Temporal server')
    .option('--temporal <address>', 'Temporal frontend host:port', process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233')
    .requiredOption('--topology <file>', 'topology file')
    .option('--secrets <file>', 'secrets file (YAML/JSON map of credential name → username/password; mode 0600)', process.env.RACKSHIFT_SECRETS_FILE)
    .option('--workflow-bundle <file>', 'prebuilt workflow bundle (skips bundling at start)')
    .option('--metrics <host:port>', 'serve the Temporal SDK worker metrics for Prometheus on http://host:port/metrics', process.env.RACKSHIFT_WORKER_METRICS)
    .option('--lab <url>', "a lab's control server (`rackshift dev --no-worker` prints it): copy-mode P2V reads its machine disks and writes its volumes there")
    .action(async (opts: { temporal: string; topology: string; secrets?: string; workflowBundle?: string; metrics?: string; lab?: string }) => {
      if (opts.metrics !== undefined && !/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/.test(opts.metrics)) throw new InvalidArgumentError(`--metrics must be host:port, e.g. 127.0.0.1:9464, got "${opts.metrics}"`);
      if (opts.lab !== undefined && !/^http:\/\/(?:127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost|\[::1\]):\d{1,5}$/.test(opts.lab)) {
        throw new InvalidArgumentError(`--lab must be the lab control server's loopback URL, like http://127.0.0.1:8099, got ${JSON.stringify(opts.lab)}`);
      }
      installRuntimeLogging('INFO', opts.metrics);
      const topology = await loadTopologyFile(opts.topology);
      const secrets = new EnvAndFileSecretStore(process.env, opts.secrets);
      const connection = await connectTemporal({ address: opts.temporal });
      const client = new Client({ connection, namespace: NAMESPACE });
      const deps = { ...realActivityDeps(topology, secrets, new LedgerClient(client), client), ...(opts.lab !== undefined && labDiskTransfer(opts.lab)) };
      const worker = await startWorker({
        address: opts.temporal,
        deps,
        ...(opts.workflowBundle !== undefined && { workflowBundle: { codePath: opts.workflowBundle } }),
        identity: `rackshift-worker@${process.pid}`,
      });
      console.log(`rackshift worker ${process.pid}: polling ${opts.temporal}${opts.metrics ? `; metrics on http://${opts.metrics}/metrics` : ''}`);
      const stop = (): void => void worker.shutdown();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      await worker.done;
      await deps.close();
      await connection.close();
    });
}
