import type { Client } from '@temporalio/client';
import type { AddressInfo } from 'node:net';
import type { TopologyIndex } from '../inventory/topology-index';
import { NAMESPACE, TASK_QUEUE } from '../worker/task-queue';
import { createApp } from './create-app';

export interface ApiServerOptions {
  readonly client: Client;
  readonly topology: TopologyIndex;
  readonly tokens: readonly string[];
  readonly host: string;
  readonly port: number;
  readonly uiBaseUrl?: string;
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
    tokens: options.tokens,
    taskQueue: TASK_QUEUE,
    namespace: NAMESPACE,
    ...(options.uiBaseUrl !== undefined && { uiBaseUrl: options.uiBaseUrl }),
  });
  const server = app.listen(options.port, options.host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
