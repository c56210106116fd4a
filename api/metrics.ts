import type { Client } from '@temporalio/client';
import type { RequestHandler } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { RUNBOOKS } from './runbook-catalog';

/** How long one scrape may wait for Temporal's visibility counts before it answers without them. */
const COUNT_TIMEOUT_MS = 3000;

/**
 * The API's Prometheus metrics (prom-client, one registry per app so two apps in one process do
 * not share counters): HTTP requests by route and status, runs this API started by runbook, and
 * runs by runbook and status as Temporal's visibility counts them at scrape time — how runs
 * ended (Completed, Failed, Canceled, Terminated, TimedOut) whoever started them, within the
 * namespace's retention. The worker's own SDK metrics are served by the worker
 * (`rackshift worker --metrics`).
 */
export class ApiMetrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: 'rackshift_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'],
    registers: [this.registry],
  });
  private readonly duration = new Histogram({
    name: 'rackshift_http_request_duration_seconds',
    help: 'HTTP request durations, by route pattern',
    labelNames: ['route'],
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5],
    registers: [this.registry],
  });
  private readonly started = new Counter({
    name: 'rackshift_runs_started_total',
    help: 'runbook runs this API started, by runbook',
    labelNames: ['runbook'],
    registers: [this.registry],
  });

  constructor(client: Client) {
    collectDefaultMetrics({ register: this.registry, prefix: 'rackshift_api_' });
    for (const r of RUNBOOKS) this.started.inc({ runbook: r.name }, 0);
    new Gauge({
      name: 'rackshift_runs',
      help: "runbook runs Temporal's visibility knows, by runbook and execution status (Running, Completed, Failed, Canceled, Terminated, TimedOut)",
      labelNames: ['runbook', 'status'],
      registers: [this.registry],
      async collect() {
        this.reset();
        const counts = await Promise.race([
          Promise.all(
            RUNBOOKS.map(async (r) => ({
              runbook: r.name,
              result: await client.workflow.count(
                `RackshiftRunbook = '${r.name}' GROUP BY ExecutionStatus`,
              ),
            })),
          ),
          new Promise<undefined>((resolve) =>
            setTimeout(() => resolve(undefined), COUNT_TIMEOUT_MS).unref(),
          ),
        ]).catch(() => undefined);
        for (const { runbook, result } of counts ?? []) {
          for (const g of result.groups)
            this.set({ runbook, status: String(g.groupValues[0]) }, g.count);
        }
      },
    });
  }

  runStarted(runbook: string): void {
    this.started.inc({ runbook });
  }

  /**
   * Counts every answered request by its route pattern (never the raw path: ids would explode the
   * label set).
   */
  middleware(): RequestHandler {
    return (req, res, next) => {
      const end = this.duration.startTimer();
      res.once('finish', () => {
        const route =
          (req.route as { path?: string } | undefined)?.path ??
          (res.statusCode === 401 ? '(unauthenticated)' : '(unmatched)');
        this.requests.inc({ method: req.method, route, status: String(res.statusCode) });
        end({ route });
      });
      next();
    };
  }
}
