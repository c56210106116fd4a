import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newToken } from '../../api/auth';
import { startApiServer, type ApiServer } from '../../api/start-api-server';
import { EnvAndFileSecretStore, type SecretStore } from '../../common/secrets';
import { TopologyIndex } from '../../inventory/topology-index';
import type { Topology } from '../../inventory/topology-schema';
import type { LabTiming } from '../../lab/lab-machine';
import type { Lab } from '../../lab/lab';
import { startLab } from '../../lab/start-lab';
import { LedgerClient } from '../../temporal/ledger-client';
import { startWorker, type RunningWorker } from '../../worker/create-worker';
import { realActivityDeps, type RealDeps } from '../../worker/worker-deps';
import type { FaultInjector } from './fault-injector';
import { LAB_SMALL } from './lab-fixtures';
import { relocatedTopology } from './relocated-topology';
import { startTestTemporal, type TestTemporal } from './temporal-server';
import { testWorkflowBundle } from './workflow-bundle';

export interface FullStack {
  readonly temporal: TestTemporal;
  readonly lab: Lab;
  readonly api: ApiServer;
  readonly token: string;
  /**
   * A second admin token (named admin-2): approvals must come from another token than the start.
   */
  readonly approverToken: string;
  readonly topology: Topology;
  readonly topologyFile: string;
  readonly ledger: LedgerClient;
  worker: RunningWorker | undefined;
  deps: RealDeps;
  stop(): Promise<void>;
}

/** Fast lab timing for runbook tests. */
export const RUNBOOK_TIMING: Partial<LabTiming> = {
  powerDelayMs: 200,
  bootMs: 400,
  shutdownMs: 200,
};

/**
 * Everything a runbook touches, for real: a Temporal dev server, the API (serving iPXE
 * scripts from the ledger), the whole lab (BMCs, SSH switches and arrays, boot, hypervisors)
 * on free ports, and an in-process worker with the real drivers and the lab's credentials.
 */
export interface FullStackOptions {
  readonly source?: string;
  readonly timing?: Partial<LabTiming>;
  readonly injector?: FaultInjector;
  /** No in-process worker: the test runs workers as processes (chaos tests). */
  readonly noWorker?: boolean;
}

export async function startFullStack(
  options: FullStackOptions = {},
  attempt = 1,
): Promise<FullStack> {
  const relocated = await relocatedTopology(options.source ?? LAB_SMALL);
  const temporal = await startTestTemporal();
  const ledger = new LedgerClient(temporal.client);
  const token = newToken();
  const approverToken = newToken();
  const apiPort = await relocated.freePort();
  const index = new TopologyIndex(relocated.topology);
  let api: ApiServer | undefined;
  let lab: Lab;
  try {
    // The lab writes the credentials once it starts, after the API: the API's store reads them
    // then.
    const apiSecrets: SecretStore = {
      resolve: (name) => new EnvAndFileSecretStore({}, lab.secretsFile).resolve(name),
    };
    api = await startApiServer({
      client: temporal.client,
      topology: index,
      tokens: [token, approverToken],
      host: '127.0.0.1',
      port: apiPort,
      bootAllowFrom: ['127.0.0.1', '::1'],
      secrets: apiSecrets,
    });
    lab = await startLab({
      topology: relocated.topology,
      dataDir: mkdtempSync(join(tmpdir(), 'rackshift-stack-lab-')),
      apiBaseUrl: api.url,
      timing: options.timing ?? RUNBOOK_TIMING,
    });
  } catch (e) {
    await api?.stop();
    await temporal.stop();
    // A port probed free can be taken by a suite running beside this one before we listen on it.
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE' && attempt < 3)
      return startFullStack(options, attempt + 1);
    throw e;
  }
  const started = api;
  const secrets = new EnvAndFileSecretStore({}, lab.secretsFile);
  const deps = realActivityDeps(relocated.topology, secrets, ledger, temporal.client);
  const worker = options.noWorker
    ? undefined
    : await startWorker({
        address: temporal.address,
        workflowBundle: await testWorkflowBundle(),
        deps,
        ...(options.injector && { activityInterceptors: [options.injector.factory] }),
      });
  const stack: FullStack = {
    temporal,
    lab,
    api: started,
    token,
    approverToken,
    topology: relocated.topology,
    topologyFile: relocated.file,
    ledger,
    worker,
    deps,
    async stop() {
      await stack.worker?.shutdown().catch(() => undefined);
      await stack.deps.close().catch(() => undefined);
      // The lab first: a machine still booting would ask the API, whose ledger query could then
      // outlive the Temporal connection and throw from a gRPC retry timer after the suite ends.
      await lab.stop();
      await started.stop();
      await temporal.stop();
    },
  };
  return stack;
}
