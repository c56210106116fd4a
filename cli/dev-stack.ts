import { Client } from '@temporalio/client';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
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
import { NAMESPACE } from '../worker/task-queue';
import { bundleWorkflows } from '../worker/workflow-bundle';
import { realActivityDeps } from '../worker/worker-deps';
import { connectTemporal } from '../temporal/connect';
import { devAdminToken } from './dev-admin-token';

export interface DevStackOptions {
  readonly dataDir: string;
  readonly topologyFile: string;
  readonly apiPort: number;
  readonly temporalPort: number;
  readonly uiPort: number;
  readonly labPort: number;
  readonly lab: boolean;
  readonly log?: (line: string) => void;
}

export interface DevStack {
  readonly apiUrl: string;
  readonly uiUrl: string | undefined;
  readonly temporalAddress: string;
  readonly token: string;
  /** Where the admin token is (mode 0600); `rackshift dev` names the file, never prints the token. */
  readonly tokenFile: string;
  readonly lab: Lab | undefined;
  stop(): Promise<void>;
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

    const admin = devAdminToken(dataDir);
    const api = await startApiServer({
      client,
      topology: new TopologyIndex(topology),
      tokenStore: admin.store,
      host: '127.0.0.1',
      port: options.apiPort,
      bootAllowFrom: ['127.0.0.1', '::1'],
      ...(server.uiUrl !== undefined && { uiBaseUrl: server.uiUrl }),
    });
    stoppers.push(() => api.stop());
    const apiUrl = api.url;
    return { apiUrl, uiUrl: server.uiUrl, temporalAddress: server.address, token: admin.token, tokenFile: admin.file, lab, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
