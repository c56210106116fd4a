import type { Lab } from './lab';
import type { LabPortState } from './lab-views';

/**
 * What the lab's switch and SAN views say about every machine of the topology, as JSON
 * (GET /lab/views): the state of each NIC's switch port and the LUNs each initiator sees on
 * each array. A process that does not hold the Lab object (a test beside `rackshift dev`)
 * reads the same views the lab's own boot checks use, instead of parsing switch configs.
 */
export interface LabViewsSnapshot {
  /** switch id → port → state; ports the lab's switches do not have are absent. */
  readonly ports: Record<string, Record<string, LabPortState>>;
  /** array id → initiator IQN → LUN ids masked to it (machines with an IQN only). */
  readonly luns: Record<string, Record<string, readonly string[]>>;
}

export function labViewsSnapshot(lab: Lab): LabViewsSnapshot {
  const ports: Record<string, Record<string, LabPortState>> = {};
  const luns: Record<string, Record<string, readonly string[]>> = {};
  const switches = lab.switchView;
  const san = lab.sanView;
  const arrays = lab.topology.sites.flatMap((s) => s.arrays ?? []).map((a) => a.id);
  for (const m of lab.index.allMachines()) {
    for (const nic of m.nics) {
      const state = switches?.portState(nic.switch, nic.port);
      if (state !== undefined) (ports[nic.switch] ??= {})[nic.port] = state;
    }
    const iqn = m.storage.iqn;
    if (iqn === undefined || san === undefined) continue;
    for (const array of arrays) (luns[array] ??= {})[iqn] = san.lunsVisibleTo(array, iqn);
  }
  return { ports, luns };
}
