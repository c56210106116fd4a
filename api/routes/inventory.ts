import type { Client } from '@temporalio/client';
import { Router, type ErrorRequestHandler, type Response } from 'express';
import { fieldIssues } from '../../common/field-path';
import { idSchema } from '../../inventory/patterns';
import type { TopologyIndex } from '../../inventory/topology-index';
import { LedgerClient } from '../../temporal/ledger-client';
import { badRequest, notFound, sendError } from '../http-errors';
import { inventoryView } from '../inventory-view';
import type { InventoryView } from '../inventory-view-schema';
import { LedgerUnavailableError, readLedgers } from '../read-ledgers';

export interface InventoryRoutesDeps {
  readonly client: Client;
  readonly topology: TopologyIndex;
  readonly taskQueue: string;
  /** How long every site's ledger together may take to answer (default 5 s). */
  readonly ledgerTimeoutMs?: number;
}

/**
 * GET /api/v1/inventory, /api/v1/inventory/machines/:id and /api/v1/inventory/personas/:name:
 * the topology joined with the live state of every site's ledger. Ids are checked against
 * the id pattern (400) and the topology (404) before any ledger is read.
 */
export function inventoryRoutes(deps: InventoryRoutesDeps): Router {
  const router = Router();
  const ledger = new LedgerClient(deps.client, deps.taskQueue);
  const sites = deps.topology.topology.sites.map((s) => s.name);

  const view = async (): Promise<InventoryView> =>
    inventoryView(
      deps.topology.topology,
      await readLedgers(deps.client, ledger, sites, deps.ledgerTimeoutMs ?? 5000),
    );

  /** False (and a 400 sent) when the id cannot be a machine id or persona name. */
  function validId(res: Response, id: string, what: string): boolean {
    const parsed = idSchema.safeParse(id);
    if (!parsed.success)
      badRequest(res, `${what} is not a valid id`, fieldIssues(parsed.error, ['id']));
    return parsed.success;
  }

  router.get('/api/v1/inventory', async (_req, res) => {
    res.json(await view());
  });

  router.get('/api/v1/inventory/machines/:id', async (req, res) => {
    const id = req.params.id;
    if (!validId(res, id, 'machine id')) return;
    if (!deps.topology.hasMachine(id)) {
      notFound(res, `unknown machine "${id}"; GET /api/v1/inventory lists them`);
      return;
    }
    const all = await view();
    res.json({
      machine: all.machines.find((m) => m.id === id),
      issues: all.issues.filter((i) => i.machine === id),
    });
  });

  router.get('/api/v1/inventory/personas/:name', async (req, res) => {
    const name = req.params.name;
    if (!validId(res, name, 'persona name')) return;
    if (!deps.topology.topology.personas.some((p) => p.name === name)) {
      notFound(res, `unknown persona "${name}"; GET /api/v1/inventory lists them`);
      return;
    }
    const all = await view();
    res.json({
      persona: all.personas.find((p) => p.name === name),
      issues: all.issues.filter((i) => i.persona === name),
    });
  });

  const unavailable: ErrorRequestHandler = (err: unknown, _req, res, next) => {
    if (!(err instanceof LedgerUnavailableError)) {
      next(err);
      return;
    }
    sendError(res, 503, 'LedgerUnavailable', err.message, [
      { path: `ledger.${err.site}`, message: 'did not answer in time' },
    ]);
  };
  router.use(unavailable);

  return router;
}
