import type { Topology } from '../../inventory/topology-schema';

/**
 * The drill bubble of a topology by the examples' convention: each production network's VLAN
 * plus 3000, which examples/*.yaml declare as isolated networks (`drill-…`).
 */
export function bubbleOf(topology: Topology, offset = 3000): { network: string; vlan: number }[] {
  return topology.networks
    .filter((n) => !n.isolated)
    .map((n) => ({ network: n.name, vlan: n.vlan + offset }));
}
