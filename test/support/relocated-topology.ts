import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { parseTopology } from '../../inventory/load-topology';
import type { Topology, TopologyInput } from '../../inventory/topology-schema';
import { freePort, freeUdpPort } from './free-port';
import { LAB_SMALL } from './lab-fixtures';

export interface RelocatedTopology {
  readonly topology: Topology;
  /** The same topology written as YAML, for worker processes and the CLI. */
  readonly file: string;
  /** Another free TCP port, distinct from every port the topology now uses (for the API…). */
  freePort(): Promise<number>;
}

/**
 * An example topology with EVERY loopback endpoint (BMCs, switches, arrays, fabrics,
 * hypervisors, persona health checks) moved to a port that is free right now, so that suites
 * can run side by side and beside a running `rackshift dev`.
 */
export async function relocatedTopology(source = LAB_SMALL): Promise<RelocatedTopology> {
  const raw = parseYaml(readFileSync(source, 'utf8')) as TopologyInput;
  // Each probe frees its port at once, so the OS may hand the same one out twice: ask again until
  // distinct.
  const taken = new Set<number>();
  const distinct = async (probe: () => Promise<number>): Promise<number> => {
    for (;;) {
      const port = await probe();
      if (!taken.has(port)) {
        taken.add(port);
        return port;
      }
    }
  };
  const freeTcp = (): Promise<number> => distinct(freePort);
  const freeUdp = (): Promise<number> => distinct(freeUdpPort);
  for (const site of raw.sites) {
    for (const m of site.machines ?? []) {
      m.bmc.port = m.bmc.driver === 'ipmi' ? await freeUdp() : await freeTcp();
      const hv = (m as { hypervisor?: { port?: number } }).hypervisor;
      if (hv) hv.port = await freeTcp();
    }
    for (const s of site.switches ?? []) s.port = await freeTcp();
    for (const a of site.arrays ?? []) {
      a.port = await freeTcp();
      a.portal.port = await freeTcp();
    }
    for (const f of site.fabrics ?? []) f.port = await freeTcp();
  }
  for (const p of raw.personas ?? []) if (p.health) p.health.port = await freeTcp();
  const topology = parseTopology(raw, source);
  const file = join(mkdtempSync(join(tmpdir(), 'rackshift-topology-')), 'topology.yaml');
  writeFileSync(file, toYaml(raw));
  return { topology, file, freePort: freeTcp };
}
