import { join } from 'node:path';
import { loadTopologyFile } from '../../inventory/load-topology';
import type { Topology } from '../../inventory/topology-schema';
import { LabMachine, type LabTiming } from '../../lab/lab-machine';

export const ROOT = join(__dirname, '..', '..');
export const LAB_SMALL = join(ROOT, 'examples', 'lab-small.yaml');

/** Fast lab timing for tests: transitions in a fraction of a second. */
export const FAST_TIMING: LabTiming = { powerDelayMs: 150, bootMs: 300, shutdownMs: 150 };

export function labSmall(): Promise<Topology> {
  return loadTopologyFile(LAB_SMALL);
}

/** LabMachines for every machine of a topology, without any protocol peer. */
export function bareLabMachines(
  topology: Topology,
  timing: LabTiming = FAST_TIMING,
): Map<string, LabMachine> {
  const machines = new Map<string, LabMachine>();
  for (const site of topology.sites)
    for (const m of site.machines) machines.set(m.id, new LabMachine(m, timing));
  return machines;
}
