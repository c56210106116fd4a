import { readFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { z } from 'zod';
import { fieldIssues } from '../../common/field-path';
import type { Lab, LabComponent } from '../lab';
import { labKeyFile } from '../lab-keys';
import { LabRedfishBmc, labRedfishSettingsSchema } from './redfish-bmc';
import { isRedfishProfile, REDFISH_PROFILE_NAMES } from './redfish-profiles';

/** The lab's Redfish BMCs; tests reach one through `bmc(machineId)` to change its behaviour. */
export interface RedfishBmcsComponent extends LabComponent {
  readonly kind: 'redfish';
  bmc(machineId: string): LabRedfishBmc;
}

/** The system id a BMC serves when the topology names none (Dell's, the most common one). */
const DEFAULT_SYSTEM_ID = 'System.Embedded.1';

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

/**
 * One in-process HTTPS server per Redfish machine, at the topology's BMC address and port,
 * with the lab certificate whose fingerprint the example topologies pin. A dark machine's
 * BMC drops every connection. Each BMC starts in the quirk profile the lab option
 * `bmcProfiles` names for its machine (default "default"). `PUT /lab/redfish/:machine` on the
 * control server changes a BMC's settings (allowed ResetTypes, which resets answer with a
 * task monitor, its profile, how long POST lasts).
 */
export async function startRedfishBmcs(lab: Lab): Promise<RedfishBmcsComponent | undefined> {
  const machines = lab.index.allMachines().filter((m) => m.bmc.driver === 'redfish');
  if (machines.length === 0) return undefined;
  const [cert, key] = await Promise.all([
    readFile(labKeyFile('redfish-lab.crt')),
    readFile(labKeyFile('redfish-lab.key')),
  ]);
  const bmcs = new Map<string, LabRedfishBmc>();
  const servers: Server[] = [];
  const kept = lab.restoredSection('redfish', z.record(z.string(), labRedfishSettingsSchema));
  try {
    for (const m of machines) {
      if (m.bmc.driver !== 'redfish') continue;
      const machine = lab.machine(m.id);
      const bmc = new LabRedfishBmc(
        machine,
        lab.credentials[m.bmc.credential],
        m.bmc.systemId ?? DEFAULT_SYSTEM_ID,
      );
      const profile = lab.options.bmcProfiles?.[m.id] ?? 'default';
      if (!isRedfishProfile(profile))
        throw new Error(
          `lab redfish: ${m.id} has BMC profile "${profile}"; Redfish profiles are ${REDFISH_PROFILE_NAMES.join(', ')}`,
        );
      // A restarted lab keeps the settings (profile included) the BMC had.
      bmc.settings = kept?.[m.id] ?? { ...bmc.settings, profile };
      const server =
        m.bmc.scheme === 'https'
          ? createHttpsServer({ cert, key }, bmc.app)
          : createHttpServer(bmc.app);
      server.on('connection', (socket) => {
        if (machine.dark) socket.destroy();
      });
      await listen(server, m.bmc.port, m.bmc.address);
      servers.push(server);
      bmcs.set(m.id, bmc);
    }
  } catch (e) {
    await Promise.all(servers.map(close));
    throw e;
  }

  lab.control.put('/lab/redfish/:machine', (req, res) => {
    const bmc = bmcs.get(req.params.machine);
    if (bmc === undefined) {
      res
        .status(404)
        .json({ error: 'NotFound', message: `no Redfish BMC for machine "${req.params.machine}"` });
      return;
    }
    const parsed = labRedfishSettingsSchema.partial().safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json({ error: 'ValidationError', issues: fieldIssues(parsed.error) });
      return;
    }
    bmc.settings = { ...bmc.settings, ...parsed.data };
    res.json({ machine: req.params.machine, settings: bmc.settings });
  });

  return {
    kind: 'redfish',
    bmc(machineId) {
      const bmc = bmcs.get(machineId);
      if (bmc === undefined) throw new Error(`lab has no Redfish BMC for machine "${machineId}"`);
      return bmc;
    },
    describe: () => Object.fromEntries([...bmcs].map(([id, bmc]) => [id, bmc.describe()])),
    snapshot: () => Object.fromEntries([...bmcs].map(([id, bmc]) => [id, bmc.settings])),
    stop: async () => {
      await Promise.all(servers.map(close));
    },
  };
}
