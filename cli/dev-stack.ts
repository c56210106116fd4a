import { Client } from '@temporalio/client';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { newToken } from '../api/auth';
import { startApiServer } from '../api/start-api-server';
import { EnvAndFileSecretStore } from '../common/secrets';
import { TopologyIndex } from '../inventory/topology-index';
import { loadTopologyFile } from '../inventory/load-topology';
import type { Lab } from '../lab/lab';
import { labDiskTransfer } from '../lab/disk/lab-disk-endpoints';
import { startLab } from '../lab/start-lab';
import { startDevServer, type DevServer } from '../temporal/dev-server';
import { LedgerClient } from '../temporal/ledger-client';
import { DEV_RETENTION_DAYS, setNamespaceRetention } from '../temporal/namespace-retention';
import { startWorker, type RunningWorker } from '../worker/create-worker';
import { NAMESPACE, TASK_QUEUE } from '../worker/task-queue';
import { startSiteGuard } from '../temporal/site-guards';
import { siteGuardInputSchema } from '../workflows/site-guard/site-guard-input';
import type { Topology } from '../inventory/topology-schema';
import { bundleWorkflows } from '../worker/workflow-bundle';
import { realActivityDeps } from '../worker/worker-deps';
import { connectTemporal } from '../temporal/connect';

export interface DevStackOptions {
  readonly dataDir: string;
  readonly topologyFile: string;
  readonly apiPort: number;
  readonly temporalPort: number;
  readonly uiPort: number;
  readonly labPort: number;
  readonly lab: boolean;
  /** Start a site guard per site (default policies; see docs/site-guard.md). Default true. */
  readonly guard?: boolean;
  readonly log?: (line: string) => void;
}

export interface DevStack {
  readonly apiUrl: string;
  readonly uiUrl: string | undefined;
  readonly temporalAddress: string;
  readonly token: string;
  readonly lab: Lab | undefined;
  stop(): Promise<void>;
}

/** Reuses the data folder's admin token so that a restarted stack keeps working with the same one. */
async function adminToken(dataDir: string): Promise<string> {
  const file = join(dataDir, 'admin.token');
  if (existsSync(file)) {
    const token = readFileSync(file, 'utf8').trim();
    await chmod(file, 0o600);
    if (token.length >= 32) return token;
  }
  const token = newToken();
  await writeFile(file, `${token}\n`, { mode: 0o600 });
  return token;
}

/** One guard per site with the default policies; a guard already running (a restarted stack) is left as it is. */
async function startGuards(client: Client, topology: Topology, log: (line: string) => void): Promise<void> {
  for (const site of topology.sites) {
    const started = await startSiteGuard(client, TASK_QUEUE, siteGuardInputSchema.omit({ carry: true }).parse({ site: site.name }));
    log(`site guard of ${site.name}: ${started ? 'started' : 'already running'}`);
  }
}

/**
 * The whole embedded stack in one process tree: Temporal dev server (SQLite file in the data
 * folder, so runs survive restarts), the lab, one worker, the API. Stops in reverse order.
 */
export async function startDevStack(options: DevStackOptions): Promise<DevStack> {
  const log = options.log ?? ((line: string) => console.log(line));
  const dataDir = resolve(options.dataDir);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const topology = await loadTopologyFile(options.topologyFile);
  const stoppers: Array<() => Promise<void>> = [];
  const stop = async (): Promise<void> => {
    for (const s of stoppers.reverse()) {
      try {
        await s();
      } catch (e) {
        log(`rackshift dev: while stopping: ${(e as Error).message}`);
      }
    }
    stoppers.length = 0;
  };

  try {
    log(`starting Temporal dev server (SQLite ${join(dataDir, 'temporal.db')})…`);
    const server: DevServer = await startDevServer({
      dbFile: join(dataDir, 'temporal.db'),
      port: options.temporalPort,
      uiPort: options.uiPort,
      logFile: join(dataDir, 'logs', 'temporal.log'),
    });
    stoppers.push(() => server.stop());

    const apiBase = `http://127.0.0.1:${options.apiPort}`;
    let lab: Lab | undefined;
    if (options.lab) {
      log(`starting the lab for ${options.topologyFile}…`);
      lab = await startLab({ topology, dataDir: join(dataDir, 'lab'), apiBaseUrl: apiBase, controlPort: options.labPort });
      const started = lab;
      stoppers.push(() => started.stop());
    }
    const secrets = new EnvAndFileSecretStore(process.env, lab?.secretsFile ?? process.env.RACKSHIFT_SECRETS_FILE);

    const connection = await connectTemporal({ address: server.address });
    stoppers.push(() => connection.close());
    const client = new Client({ connection, namespace: NAMESPACE });
    // Drill reports are run results: they last as long as the namespace keeps closed runs.
    await setNamespaceRetention(client, NAMESPACE, DEV_RETENTION_DAYS);

    log('bundling workflows and starting the worker…');
    // In the lab, copy-mode P2V reads machine disks and writes volumes through the lab control server.
    const deps = { ...realActivityDeps(topology, secrets, new LedgerClient(client), client), ...(lab ? labDiskTransfer(lab.controlUrl) : {}) };
    stoppers.push(() => deps.close());
    const worker: RunningWorker = await startWorker({
      address: server.address,
      deps,
      workflowBundle: await bundleWorkflows(),
      identity: `rackshift-dev@${process.pid}`,
    });
    stoppers.push(() => worker.shutdown());

    const token = await adminToken(dataDir);
    const api = await startApiServer({
      client,
      topology: new TopologyIndex(topology),
      tokens: [token],
      host: '127.0.0.1',
      port: options.apiPort,
      bootAllowFrom: ['127.0.0.1', '::1'],
      ...(server.uiUrl !== undefined && { uiBaseUrl: server.uiUrl }),
    });
    stoppers.push(() => api.stop());
    if (options.guard !== false) await startGuards(client, topology, log);
    const apiUrl = api.url;
    return { apiUrl, uiUrl: server.uiUrl, temporalAddress: server.address, token, lab, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
