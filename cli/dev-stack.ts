import { Client, WorkflowNotFoundError } from '@temporalio/client';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { startApiServer } from '../api/start-api-server';
import { EnvAndFileSecretStore } from '../common/secrets';
import { TopologyIndex } from '../inventory/topology-index';
import { loadTopologyFile } from '../inventory/load-topology';
import type { Topology } from '../inventory/topology-schema';
import type { Lab } from '../lab/lab';
import type { LabTiming } from '../lab/lab-machine';
import { labDiskTransfer } from '../lab/disk/lab-disk-endpoints';
import { startLab } from '../lab/start-lab';
import { startDevServer, type DevServer, type DevServerOptions } from '../temporal/dev-server';
import { LedgerClient, ledgerWorkflowId } from '../temporal/ledger-client';
import { DEV_RETENTION_DAYS, setNamespaceRetention } from '../temporal/namespace-retention';
import { startWorker, type RunningWorker } from '../worker/create-worker';
import { NAMESPACE, TASK_QUEUE } from '../worker/task-queue';
import { startSiteGuard } from '../temporal/site-guards';
import { siteGuardInputSchema } from '../workflows/site-guard/site-guard-input';
import { bundleWorkflows } from '../worker/workflow-bundle';
import { realActivityDeps } from '../worker/worker-deps';
import { connectTemporal } from '../temporal/connect';
import type { CodecKeyRing } from '../temporal/codec-keys';
import { AesGcmPayloadCodec } from '../temporal/payload-codec';
import { devAdminToken } from './dev-admin-token';
import { markSeed, seedHomes, seedState, type SeededHome } from './seed-homes';

export interface DevStackOptions {
  readonly dataDir: string;
  readonly topologyFile: string;
  readonly apiPort: number;
  readonly temporalPort: number;
  readonly uiPort: number;
  readonly labPort: number;
  readonly lab: boolean;
  /** Run a worker in this process (false: separate `rackshift worker` processes do the work). */
  readonly worker: boolean;
  /** host:port of a Temporal server this stack did not start (then it starts no dev server). */
  readonly temporal?: string;
  /** On the first start of a fresh data folder, put every persona on its topology home. */
  readonly seed: boolean;
  /** Start a site guard per site (default policies; see docs/site-guard.md). Default true. */
  readonly guard?: boolean;
  /** The lab's machine and VM timing (default lab/lab-machine's); benchmarks set a profile. */
  readonly labTiming?: Partial<LabTiming>;
  /** For the dev server it starts: SQLite pragmas and dynamic config (benchmarks compare them). */
  readonly devServer?: Pick<DevServerOptions, 'pragmas' | 'dynamicConfig'>;
  /**
   * Payload keys (`--codec-key-file`): worker, client and API encrypt, the API serves /codec, and
   * the dev server's UI is pointed at it.
   */
  readonly codecKeys?: CodecKeyRing;
  readonly log?: (line: string) => void;
}

export interface DevStack {
  readonly apiUrl: string;
  readonly uiUrl: string | undefined;
  readonly temporalAddress: string;
  readonly token: string;
  /**
   * Where the admin token is (mode 0600); `rackshift dev` names the file, never prints the token.
   */
  readonly tokenFile: string;
  readonly lab: Lab | undefined;
  /**
   * The seeding of homes, when this start seeds (it runs in the background: with --no-worker it
   * waits for a worker).
   */
  readonly seeding: Promise<SeededHome[]> | undefined;
  stop(): Promise<void>;
}

/**
 * Whether any site's ledger has ever run on this Temporal (a describe needs no worker, unlike a
 * query).
 */
async function anyLedger(client: Client, topology: Topology): Promise<boolean> {
  for (const site of topology.sites) {
    try {
      await client.workflow.getHandle(ledgerWorkflowId(site.name)).describe();
      return true;
    } catch (e) {
      if (!(e instanceof WorkflowNotFoundError)) throw e;
    }
  }
  return false;
}

/**
 * Whether this start seeds homes: only with a lab, on a fresh data center (no lab state, no
 * seed marker, no ledger ever run: a folder from before seeding existed keeps its ledger's
 * placements), or to finish a seeding a killed stack began. A restart keeps what is there.
 */
async function shouldSeed(
  dataDir: string,
  lab: Lab | undefined,
  wanted: boolean,
  client: Client,
  topology: Topology,
): Promise<boolean> {
  const state = seedState(dataDir);
  if (lab === undefined || state === 'done' || state === 'skipped') return false;
  if (state === 'seeding') return true;
  if (lab.restored !== undefined || (await anyLedger(client, topology))) return false;
  if (!wanted) markSeed(dataDir, 'skipped');
  return wanted;
}

/**
 * Seeds homes in the background and marks the folder done when every home is seeded (or, failing
 * some, says which).
 */
function startSeeding(
  client: Client,
  topology: Topology,
  dataDir: string,
  log: (line: string) => void,
): Promise<SeededHome[]> {
  markSeed(dataDir, 'seeding');
  const started = Date.now();
  const seeding = seedHomes(client, new TopologyIndex(topology), log).then((homes) => {
    const placed = homes.filter((h) => h.outcome === 'completed').length;
    markSeed(dataDir, 'done');
    log(
      `seed: ${placed} of ${homes.length} persona(s) running at home after ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    return homes;
  });
  // The stack may be stopped mid-seed; the next start attaches to the same runs.
  seeding.catch((e: unknown) =>
    log(
      `seed: stopped before it finished (${(e as Error).message}); the next start goes on with it`,
    ),
  );
  return seeding;
}

/**
 * One guard per site with the default policies; a guard already running (a restarted stack) is left
 * as it is.
 */
async function startGuards(
  client: Client,
  topology: Topology,
  log: (line: string) => void,
): Promise<void> {
  for (const site of topology.sites) {
    const started = await startSiteGuard(
      client,
      TASK_QUEUE,
      siteGuardInputSchema.omit({ carry: true }).parse({ site: site.name }),
    );
    log(`site guard of ${site.name}: ${started ? 'started' : 'already running'}`);
  }
}

/**
 * The whole embedded stack in one process tree: Temporal dev server (SQLite file in the data
 * folder, so runs survive restarts) unless `temporal` names another, the lab (its state in the
 * data folder, so it survives restarts too), one worker unless `worker` is false, the API.
 * Stops in reverse order.
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

  const codec = options.codecKeys && new AesGcmPayloadCodec(options.codecKeys);
  const dataConverter = codec && { payloadCodecs: [codec] };
  try {
    let server: Pick<DevServer, 'address' | 'uiUrl'>;
    if (options.temporal === undefined) {
      log(`starting Temporal dev server (SQLite ${join(dataDir, 'temporal.db')})…`);
      const started = await startDevServer({
        dbFile: join(dataDir, 'temporal.db'),
        port: options.temporalPort,
        uiPort: options.uiPort,
        logFile: join(dataDir, 'logs', 'temporal.log'),
        ...(codec && { uiCodecEndpoint: `http://127.0.0.1:${options.apiPort}/codec` }),
        ...options.devServer,
      });
      stoppers.push(() => started.stop());
      server = started;
    } else {
      log(`using the Temporal server at ${options.temporal} (not started here)…`);
      server = { address: options.temporal, uiUrl: undefined };
    }

    const apiBase = `http://127.0.0.1:${options.apiPort}`;
    let lab: Lab | undefined;
    if (options.lab) {
      log(`starting the lab for ${options.topologyFile}…`);
      lab = await startLab({
        topology,
        dataDir: join(dataDir, 'lab'),
        apiBaseUrl: apiBase,
        controlPort: options.labPort,
        ...(options.labTiming && { timing: options.labTiming }),
      });
      const started = lab;
      stoppers.push(() => started.stop());
      if (lab.restored !== undefined)
        log(
          `the lab keeps the state it had at ${lab.restored.savedAt} (${lab.stateFile.path}; \`rackshift lab reset\` forgets it)`,
        );
    }
    const secrets = new EnvAndFileSecretStore(
      process.env,
      lab?.secretsFile ?? process.env.RACKSHIFT_SECRETS_FILE,
    );

    const connection = await connectTemporal({ address: server.address });
    stoppers.push(() => connection.close());
    const client = new Client({
      connection,
      namespace: NAMESPACE,
      ...(dataConverter && { dataConverter }),
    });
    // Drill reports are run results: they last as long as the namespace keeps closed runs. A server
    // it did not start is not its to configure.
    if (options.temporal === undefined)
      await setNamespaceRetention(client, NAMESPACE, DEV_RETENTION_DAYS);

    if (options.worker) {
      log('bundling workflows and starting the worker…');
      // In the lab, copy-mode P2V reads machine disks and writes volumes through the lab control
      // server.
      const deps = {
        ...realActivityDeps(topology, secrets, new LedgerClient(client), client),
        ...(lab ? labDiskTransfer(lab.controlUrl) : {}),
      };
      stoppers.push(() => deps.close());
      const worker: RunningWorker = await startWorker({
        address: server.address,
        deps,
        workflowBundle: await bundleWorkflows(),
        identity: `rackshift-dev@${process.pid}`,
        ...(dataConverter && { dataConverter }),
      });
      stoppers.push(() => worker.shutdown());
    } else {
      log(
        `no worker in this process: start \`rackshift worker --temporal ${server.address} --topology ${options.topologyFile}${lab ? ` --secrets ${lab.secretsFile} --disk-transfer ${lab.controlUrl}` : ''}\``,
      );
    }

    const admin = devAdminToken(dataDir);
    const api = await startApiServer({
      client,
      topology: new TopologyIndex(topology),
      tokenStore: admin.store,
      host: '127.0.0.1',
      port: options.apiPort,
      bootAllowFrom: ['127.0.0.1', '::1'],
      secrets,
      ...(server.uiUrl !== undefined && { uiBaseUrl: server.uiUrl }),
      ...(codec && { payloadCodec: codec }),
    });
    stoppers.push(() => api.stop());
    if (options.guard !== false) await startGuards(client, topology, log);
    const apiUrl = api.url;
    const seeding = (await shouldSeed(dataDir, lab, options.seed, client, topology))
      ? startSeeding(client, topology, dataDir, log)
      : undefined;
    return {
      apiUrl,
      uiUrl: server.uiUrl,
      temporalAddress: server.address,
      token: admin.token,
      tokenFile: admin.file,
      lab,
      seeding,
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
