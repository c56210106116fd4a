import { Client } from '@temporalio/client';
import { InvalidArgumentError, type Command } from 'commander';
import { hostname } from 'node:os';
import { EnvAndFileSecretStore } from '../../common/secrets';
import { loadTopologyFile } from '../../inventory/load-topology';
import { labDiskTransfer } from '../../lab/disk/lab-disk-endpoints';
import { LedgerClient } from '../../temporal/ledger-client';
import { dataConverterOf } from '../../temporal/connection-config';
import { startWorker } from '../../worker/create-worker';
import { prebuiltWorkflowBundle } from '../../worker/workflow-bundle';
import { installRuntimeLogging } from '../../worker/runtime-logging';
import { realActivityDeps } from '../../worker/worker-deps';
import {
  addTemporalOptions,
  connectAndCheckSetup,
  type TemporalCliOptions,
} from '../temporal-options';

/** Unique per replica: container replicas all run as pid 1, so the host name comes first. */
function workerIdentity(): string {
  return `rackshift-worker@${hostname()}:${process.pid}`;
}

function urlOption(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError(`must be an http(s) URL, got "${value}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new InvalidArgumentError(`must be an http(s) URL, got "${value}"`);
  return value.replace(/\/+$/, '');
}

function metricsOption(value: string): string {
  if (!/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/.test(value))
    throw new InvalidArgumentError(`must be host:port, e.g. 127.0.0.1:9464, got "${value}"`);
  return value;
}

function graceOption(value: string): number {
  const n = Number(value);
  if (!/^\d{1,4}$/.test(value))
    throw new InvalidArgumentError(`must be a whole number of seconds, got "${value}"`);
  return n;
}

interface WorkerCliOptions extends TemporalCliOptions {
  topology: string;
  secrets?: string;
  workflowBundle?: string;
  diskTransfer?: string;
  shutdownGrace: number;
  metrics?: string;
  maxCachedWorkflows?: number;
}

function cacheOption(value: string): number {
  const n = Number(value);
  if (!/^\d{1,6}$/.test(value) || n === 1)
    throw new InvalidArgumentError(
      `must be 0 (no cache) or a whole number of workflows of at least 2, got "${value}"`,
    );
  return n;
}

export function registerWorkerCommands(program: Command): void {
  addTemporalOptions(
    program
      .command('worker')
      .description(
        'run a rackshift worker (workflows and hardware activities) against a Temporal server',
      )
      .requiredOption('--topology <file>', 'topology file')
      .option(
        '--secrets <file>',
        'secrets file (YAML/JSON map of credential name → username/password; mode 0600)',
        process.env.RACKSHIFT_SECRETS_FILE,
      )
      .option(
        '--workflow-bundle <file>',
        'prebuilt workflow bundle (default: the one `npm run build` wrote, if any; else the worker bundles at start)',
      )
      .option(
        '--disk-transfer <url>',
        'base URL of the disk-transfer service for copy-mode P2V: <url>/lab/machines/<machine> (P2V helper), <url>/lab/arrays/<array>/volumes/<volume> (the lab control server serves both)',
        urlOption,
        process.env.RACKSHIFT_DISK_TRANSFER_URL,
      )
      .option(
        '--shutdown-grace <seconds>',
        'on SIGTERM, let running activities finish this long before cancelling them',
        graceOption,
        30,
      )
      .option(
        '--max-cached-workflows <n>',
        'workflows kept in memory between their tasks (about 1 MiB each; an evicted one replays its history at its next task). Default: the SDK sizes it from the heap limit (about 2,300 on a 4 GiB heap)',
        cacheOption,
        process.env.RACKSHIFT_MAX_CACHED_WORKFLOWS === undefined
          ? undefined
          : cacheOption(process.env.RACKSHIFT_MAX_CACHED_WORKFLOWS),
      )
      .option(
        '--metrics <host:port>',
        'serve the Temporal SDK worker metrics for Prometheus on http://host:port/metrics',
        metricsOption,
        process.env.RACKSHIFT_WORKER_METRICS,
      ),
  ).action(async (opts: WorkerCliOptions) => {
    installRuntimeLogging('INFO', opts.metrics);
    const topology = await loadTopologyFile(opts.topology);
    const secrets = new EnvAndFileSecretStore(process.env, opts.secrets);
    const { config, connection } = await connectAndCheckSetup(opts, 'rackshift worker');
    const dataConverter = dataConverterOf(config);
    const client = new Client({
      connection,
      namespace: config.namespace,
      ...(dataConverter !== undefined && { dataConverter }),
    });
    const deps = {
      ...realActivityDeps(topology, secrets, new LedgerClient(client, config.taskQueue), client),
      ...(opts.diskTransfer !== undefined && labDiskTransfer(opts.diskTransfer)),
    };
    const identity = workerIdentity();
    const bundle = opts.workflowBundle ?? prebuiltWorkflowBundle();
    const worker = await startWorker({
      address: config.address,
      namespace: config.namespace,
      taskQueue: config.taskQueue,
      ...(config.tls !== false && { tls: config.tls }),
      ...(config.apiKey !== undefined && { apiKey: config.apiKey }),
      ...(config.metadata !== undefined && { metadata: config.metadata }),
      ...(dataConverter !== undefined && { dataConverter }),
      deps,
      ...(bundle !== undefined && { workflowBundle: { codePath: bundle } }),
      identity,
      shutdownGraceTime: `${opts.shutdownGrace}s`,
      ...(opts.maxCachedWorkflows !== undefined && { maxCachedWorkflows: opts.maxCachedWorkflows }),
    });
    console.log(
      `${identity}: workflows from ${bundle ?? 'source (bundled at start)'}; ${opts.maxCachedWorkflows === undefined ? 'workflow cache sized by the SDK' : `at most ${opts.maxCachedWorkflows} workflows cached`}`,
    );
    console.log(
      `${identity}: polling ${config.taskQueue} in ${config.namespace} at ${config.address}${opts.diskTransfer === undefined ? ' (no disk transfer: copy-mode P2V refused)' : ''}${opts.metrics ? `; metrics on http://${opts.metrics}/metrics` : ''}`,
    );
    const stop = (signal: string): void => {
      console.log(
        `${identity}: ${signal}: draining, running activities get ${opts.shutdownGrace} s`,
      );
      void worker.shutdown();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
    await worker.done;
    await deps.close();
    await connection.close();
    console.log(`${identity}: stopped`);
  });
}
