import type { Client } from '@temporalio/client';
import express, { type Express, type Router } from 'express';
import type { TopologyIndex } from '../inventory/topology-index';
import { bearerAuth } from './auth';
import { errorHandler } from './http-errors';
import { runLinks } from './run-links';
import { inventoryRoutes } from './routes/inventory';
import { drillRoutes } from './routes/drills';
import { guardRoutes } from './routes/guards';
import { runbookRoutes } from './routes/runbooks';
import { runRoutes } from './routes/runs';
import { runApprovalRoutes } from './routes/run-approval';
import { scheduleRoutes } from './routes/schedules';

export interface ApiOptions {
  readonly client: Client;
  readonly topology: TopologyIndex;
  readonly tokens: readonly string[];
  readonly taskQueue: string;
  readonly namespace: string;
  readonly uiBaseUrl?: string;
  /** Routers served WITHOUT the bearer token (firmware cannot hold one): the boot script router. */
  readonly publicRouters?: readonly Router[];
}

/**
 * The rackshift HTTP API. `/healthz` and the public routers (iPXE scripts) are open; every
 * other route needs `Authorization: Bearer <token>`.
 */
export function createApp(options: ApiOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  for (const router of options.publicRouters ?? []) app.use(router);
  app.use(bearerAuth(options.tokens));
  app.use(express.json({ limit: '256kb' }));
  const links = runLinks({ namespace: options.namespace, ...(options.uiBaseUrl !== undefined && { uiBaseUrl: options.uiBaseUrl }) });
  app.use(runbookRoutes({ client: options.client, topology: options.topology, taskQueue: options.taskQueue, links }));
  app.use(runRoutes({ client: options.client, links }));
  app.use(runApprovalRoutes({ client: options.client }));
  app.use(inventoryRoutes({ client: options.client, topology: options.topology, taskQueue: options.taskQueue }));
  app.use(scheduleRoutes({ client: options.client, topology: options.topology, taskQueue: options.taskQueue }));
  app.use(drillRoutes({ client: options.client }));
  app.use(guardRoutes({ client: options.client, topology: options.topology, taskQueue: options.taskQueue }));
  app.use((_req, res) => {
    res.status(404).json({ error: 'NotFound', message: 'no such route' });
  });
  app.use(errorHandler);
  return app;
}
