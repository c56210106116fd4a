import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parseTopology } from '../../inventory/load-topology';
import type { Topology, TopologyInput } from '../../inventory/topology-schema';
import { freePort } from './free-port';
import { EnvAndFileSecretStore, type SecretStore } from '../../common/secrets';
import type { LabRedfishBmc } from '../../lab/bmc/redfish-bmc';
import type { RedfishBmcsComponent } from '../../lab/bmc/redfish-bmcs';
import type { Lab } from '../../lab/lab';
import { startLab } from '../../lab/start-lab';
import { FAST_TIMING, LAB_SMALL } from './lab-fixtures';

/** examples/lab-small.yaml with every Redfish BMC moved to a loopback port free right now. */
export async function redfishLabTopology(): Promise<Topology> {
  const raw = parseYaml(await readFile(LAB_SMALL, 'utf8')) as TopologyInput;
  for (const site of raw.sites) {
    for (const m of site.machines ?? [])
      if (m.bmc.driver === 'redfish') m.bmc.port = await freePort();
  }
  return parseTopology(raw, LAB_SMALL);
}

/**
 * A lab of Redfish BMCs only, on free ports, with its secrets store; `stop` removes its folder too.
 */
export async function startRedfishLab(
  prefix: string,
): Promise<{ lab: Lab; secrets: SecretStore; stop: () => Promise<void> }> {
  const dataDir = await mkdtemp(join(tmpdir(), prefix));
  const lab = await startLab({
    topology: await redfishLabTopology(),
    dataDir,
    timing: FAST_TIMING,
    only: ['redfish'],
  });
  return {
    lab,
    secrets: new EnvAndFileSecretStore({}, lab.secretsFile),
    stop: async () => {
      await lab.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** The lab's Redfish BMC of one machine, to change its settings or read what it received. */
export function labRedfishBmc(lab: Lab, machineId: string): LabRedfishBmc {
  return (lab.components.find((c) => c.kind === 'redfish') as RedfishBmcsComponent).bmc(machineId);
}
