import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { parseTopology } from '../../inventory/load-topology';
import type { Topology, TopologyInput } from '../../inventory/topology-schema';
import { freePort } from './free-port';
import { LAB_SMALL } from './lab-fixtures';

/** examples/lab-small.yaml with every Redfish BMC moved to a loopback port free right now. */
export async function redfishLabTopology(): Promise<Topology> {
  const raw = parseYaml(await readFile(LAB_SMALL, 'utf8')) as TopologyInput;
  for (const site of raw.sites) {
    for (const m of site.machines ?? []) if (m.bmc.driver === 'redfish') m.bmc.port = await freePort();
  }
  return parseTopology(raw, LAB_SMALL);
}
