import type { Client } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import type { SecretStore } from '../common/secrets';
import type { TopologyIndex } from '../inventory/topology-index';
import { NAMESPACE, TASK_QUEUE } from '../worker/task-queue';
import { LedgerClient } from '../temporal/ledger-client';
import { createApp } from './create-app';
import { listen, type HttpsFiles } from './listen';
import { LedgerBootAssignments } from './ledger-boot-assignments';
import { createBootRouter } from './routes/boot';

export interface ApiServerOptions {
  readonly client: Client;
  /** Defaults: `default` and `rackshift`; `rackshift api` passes its connection config's. */
  readonly namespace?: string;
  readonly taskQueue?: string;
  readonly topology: TopologyIndex;
  /** Admin tokens in memory (`--token-file`). */
  readonly tokens?: readonly string[];
  /** The token store file (`rackshift token create`). */
  readonly tokenStore?: string;
  readonly host: string;
  readonly port: number;
  readonly uiBaseUrl?: string;
  /**
   * Source addresses or CIDRs allowed to fetch iPXE scripts from /boot/ipxe (firmware holds no
   * token).
   */
  readonly bootAllowFrom: readonly string[];
  /** Where personas' CHAP credentials resolve when a boot script is served to its machine. */
  readonly secrets?: SecretStore;
  /** The client's payload codec, served to the Temporal UI and CLI under /codec. */
  readonly payloadCodec?: PayloadCodec;
  /** Serve HTTPS from these files, reloaded when they change (api/listen.ts). */
  readonly https?: HttpsFiles;
  /** Proxies whose X-Forwarded-For names the client (api/trusted-proxies.ts). */
  readonly trustedProxies?: readonly string[];
}

export interface ApiServer {
  readonly url: string;
  stop(): Promise<void>;
}

/** The API app listening on host:port; used by `rackshift dev` and `rackshift api`. */
export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const app = createApp({
    client: options.client,
    topology: options.topology,
    ...(options.tokens !== undefined && { tokens: options.tokens }),
    ...(options.tokenStore !== undefined && { tokenStore: options.tokenStore }),
    taskQueue: options.taskQueue ?? TASK_QUEUE,
    namespace: options.namespace ?? NAMESPACE,
    ...(options.uiBaseUrl !== undefined && { uiBaseUrl: options.uiBaseUrl }),
    ...(options.payloadCodec !== undefined && { payloadCodec: options.payloadCodec }),
    ...(options.trustedProxies !== undefined && { trustedProxies: options.trustedProxies }),
    publicRouters: [
      createBootRouter({
        topology: options.topology,
        assignments: new LedgerBootAssignments(
          options.topology,
          new LedgerClient(options.client, options.taskQueue ?? TASK_QUEUE),
        ),
        allowFrom: options.bootAllowFrom,
        ...(options.secrets !== undefined && { secrets: options.secrets }),
      }),
    ],
  });
  const { url, stop } = await listen(app, {
    host: options.host,
    port: options.port,
    ...(options.https !== undefined && { https: options.https }),
  });
  return { url, stop };
}
