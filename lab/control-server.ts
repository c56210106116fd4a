import express from 'express';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { fieldIssues } from '../common/field-path';
import { idSchema } from '../inventory/patterns';
import type { Lab, LabComponent } from './lab';
import { labViewsSnapshot } from './lab-views-snapshot';

const faultSchema = z.discriminatedUnion('fault', [
  z.strictObject({ fault: z.literal('burn-rack'), rack: idSchema }),
  z.strictObject({ fault: z.literal('dark'), machine: idSchema, on: z.boolean().default(true) }),
  z.strictObject({ fault: z.literal('dark-site'), site: idSchema, on: z.boolean().default(true) }),
  z.strictObject({
    fault: z.literal('reject-auth'),
    machine: idSchema,
    on: z.boolean().default(true),
  }),
  z.strictObject({
    fault: z.literal('boot-hang'),
    machine: idSchema,
    on: z.boolean().default(true),
  }),
]);
export type LabFault = z.infer<typeof faultSchema>;

/** Applies a fault to the lab; returns the machines it touched. */
function applyFault(lab: Lab, fault: LabFault): string[] {
  switch (fault.fault) {
    case 'burn-rack':
      return lab.burnRack(fault.rack);
    case 'dark':
      lab.machine(fault.machine).setDark(fault.on);
      return [fault.machine];
    case 'dark-site':
      if (!lab.topology.sites.some((s) => s.name === fault.site))
        throw new Error(`lab has no site "${fault.site}"`);
      return lab.darkSite(fault.site, fault.on);
    case 'reject-auth':
      lab.machine(fault.machine).rejectAuth = fault.on;
      return [fault.machine];
    case 'boot-hang':
      lab.machine(fault.machine).bootHangs = fault.on;
      return [fault.machine];
  }
}

/**
 * The lab's own HTTP endpoint on loopback: state for humans and tests, fault injection, and
 * the routes lab peers call back into (ipmi_sim's chassis_control program). Started first so
 * that other components know its URL.
 */
export async function startControlServer(lab: Lab): Promise<LabComponent> {
  const app = express();
  app.use(express.json({ limit: '64kb' }));
  // Every change made through the control server (a fault, a BMC setting, a disk) is written
  // down before its answer leaves; chassis control writes through its machine instead.
  app.use((req, res, next) => {
    if (req.method === 'GET' || req.path.startsWith('/lab/ipmi/')) {
      next();
      return;
    }
    const send = res.send.bind(res);
    res.send = (body?: unknown) => {
      lab.changed();
      return send(body);
    };
    next();
  });
  app.get('/lab/state', (_req, res) => {
    res.json(lab.describe());
  });
  app.get('/lab/views', (_req, res) => {
    res.json(labViewsSnapshot(lab));
  });
  app.post('/lab/faults', (req, res) => {
    const parsed = faultSchema.safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json({ error: 'ValidationError', issues: fieldIssues(parsed.error) });
      return;
    }
    try {
      res.json({ applied: parsed.data, machines: applyFault(lab, parsed.data) });
    } catch (e) {
      res.status(404).json({ error: 'NotFound', message: (e as Error).message });
    }
  });
  app.use(lab.control);
  const server = app.listen(lab.options.controlPort ?? 0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  lab.controlUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    kind: 'control',
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
