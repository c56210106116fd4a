import type { Client } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import express, { type Express, type Router } from 'express';
import type { TopologyIndex } from '../inventory/topology-index';
import { auditLog, stdoutAudit, type AuditSink } from './audit-log';
import { bearerAuth } from './auth';
import { errorHandler, notFound } from './http-errors';
import { ApiMetrics } from './metrics';
import { openApiDocument } from './openapi';
import { readiness } from './readiness';
import { runLinks } from './run-links';
import { RunStarter } from './run-starter';
import { inventoryRoutes } from './routes/inventory';
import { drillRoutes } from './routes/drills';
import { guardRoutes } from './routes/guards';
import { codecCors, codecRoutes } from './routes/codec';
import { codecSessionRoutes } from './routes/codec-session';
import { CodecSessions } from './codec-sessions';
import { runbookRoutes } from './routes/runbooks';
import { runRoutes } from './routes/runs';
import { runApprovalRoutes } from './routes/run-approval';
import { runCancelRoutes } from './routes/run-cancel';
import { scheduleRoutes } from './routes/schedules';
import { anyOf, FileTokenStore, StaticTokens, type TokenVerifier } from './token-store';

export interface ApiOptions {
  readonly client: Client;
  readonly topology: TopologyIndex;
  /** Admin tokens handed over in memory (`rackshift api --token-file`, tests). */
  readonly tokens?: readonly string[];
  /** The token store (`rackshift token create`), re-read when it changes. */
  readonly tokenStore?: string;
  /** Any other verifier (tests with named, role-bound tokens). */
  readonly verifier?: TokenVerifier;
  readonly taskQueue: string;
  readonly namespace: string;
  readonly uiBaseUrl?: string;
  /** Where the audit entries go (default: one JSON line each on stdout). */
  readonly audit?: AuditSink;
  /** Routers served WITHOUT the bearer token (firmware cannot hold one): the boot script router. */
  readonly publicRouters?: readonly Router[];
  /** The payload codec: set, the API serves Temporal's codec server protocol under /codec. */
  readonly payloadCodec?: PayloadCodec;
  /** Browser origins (the Temporal UI's) that may call /codec; default: the UI base URL's. */
  readonly codecCorsOrigins?: readonly string[];
  /** The Temporal UI's codec sessions (default: a new store, 15 minutes each). */
  readonly codecSessions?: CodecSessions;
  /**
   * Proxies (addresses or CIDRs, api/trusted-proxies.ts) whose X-Forwarded-For gives the client's
   * address (`req.ip`, which the boot allow-list checks); none: the socket's peer, headers ignored.
   */
  readonly trustedProxies?: readonly string[];
}

function verifierOf(options: ApiOptions): TokenVerifier {
  return anyOf([
    ...(options.tokenStore !== undefined ? [new FileTokenStore(options.tokenStore)] : []),
    ...(options.tokens !== undefined ? [new StaticTokens(options.tokens)] : []),
    ...(options.verifier !== undefined ? [options.verifier] : []),
  ]);
}

/**
 * The rackshift HTTP API. `/healthz`, `/readyz`, `/metrics`, the OpenAPI document and the public
 * routers (iPXE scripts) are open; every other route needs `Authorization: Bearer <token>`, and
 * each route checks the token's role.
 */
export function createApp(options: ApiOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', options.trustedProxies?.length ? [...options.trustedProxies] : false);
  const metrics = new ApiMetrics(options.client);
  app.use(metrics.middleware());
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const ready = await readiness(options.client, options.namespace, options.taskQueue);
    res.status(ready.status === 'ready' ? 200 : 503).json(ready);
  });
  // Prometheus scrapes without a token, as it does most exporters: keep the API on a trusted
  // network.
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  app.get('/api/v1/openapi.json', (_req, res) => {
    res.json(openApiDocument());
  });
  for (const router of options.publicRouters ?? []) app.use(router);
  const uiOrigins =
    options.codecCorsOrigins ??
    (options.uiBaseUrl !== undefined ? [new URL(options.uiBaseUrl).origin] : []);
  const verifier = verifierOf(options);
  if (options.payloadCodec !== undefined) app.use('/codec', codecCors(uiOrigins));
  app.use(auditLog(options.audit ?? stdoutAudit));
  // The UI's cookie path to /codec/decode, before the bearer check it replaces for that route.
  if (options.payloadCodec !== undefined)
    app.use(
      codecSessionRoutes({
        codec: options.payloadCodec,
        namespace: options.namespace,
        sessions: options.codecSessions ?? new CodecSessions(),
        verifier,
        uiOrigins,
      }),
    );
  app.use(bearerAuth(verifier));
  // Before the API's JSON parser: codec requests carry history pages, larger than its limit.
  if (options.payloadCodec !== undefined)
    app.use(codecRoutes({ codec: options.payloadCodec, namespace: options.namespace }));
  app.use(express.json({ limit: '256kb' }));
  const links = runLinks({
    namespace: options.namespace,
    ...(options.uiBaseUrl !== undefined && { uiBaseUrl: options.uiBaseUrl }),
  });
  const starter = new RunStarter(options.client, options.taskQueue);
  app.use(
    runbookRoutes({
      starter,
      topology: options.topology,
      links,
      onStarted: (runbook) => metrics.runStarted(runbook),
    }),
  );
  app.use(runRoutes({ client: options.client, links }));
  app.use(runApprovalRoutes({ client: options.client }));
  app.use(runCancelRoutes({ client: options.client }));
  app.use(
    inventoryRoutes({
      client: options.client,
      topology: options.topology,
      taskQueue: options.taskQueue,
    }),
  );
  app.use(
    scheduleRoutes({
      client: options.client,
      topology: options.topology,
      taskQueue: options.taskQueue,
    }),
  );
  app.use(drillRoutes({ client: options.client }));
  app.use(
    guardRoutes({
      client: options.client,
      topology: options.topology,
      taskQueue: options.taskQueue,
    }),
  );
  app.use((_req, res) => {
    notFound(res, 'no such route', [{ path: 'path', message: 'matches no route' }]);
  });
  app.use(errorHandler);
  return app;
}
