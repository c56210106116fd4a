import { hostProfile, restingClusterOf } from '../../inventory/hypervisor-cluster';
import type { TopologyIndex } from '../../inventory/topology-index';
import type { Switch } from '../../inventory/topology-schema';
import { LabSwitchConfig, type LabSwitchFamily } from './lab-switch-config';

/**
 * A switch as the lab finds it: every cabled port exists, every topology network is in
 * the VLAN database, and the ports of each machine's resident persona (or, on a cluster's
 * resting host, the cluster's trunks) carry its networks (one network: access; several:
 * trunk), so that the residents boot healthy.
 */
export function initialSwitchConfig(
  index: TopologyIndex,
  sw: Switch,
  family: LabSwitchFamily,
): LabSwitchConfig {
  const machines = index.allMachines();
  const cabled = new Set(
    machines.flatMap((m) => m.nics.filter((n) => n.switch === sw.id).map((n) => n.port)),
  );
  const config = new LabSwitchConfig(family, sw.id, cabled);
  // The VLAN ids of the switch's own site.
  const site = index.switchSite(sw.id).name;
  for (const n of index.topology.networks)
    config.vlans.set(index.networkVlan(n.name, site), n.name);
  for (const m of machines) {
    const resident =
      m.occupant ??
      index.topology.personas.find(
        (p) => p.home !== undefined && 'machine' in p.home && p.home.machine === m.id,
      )?.name;
    const restingCluster = restingClusterOf(index.topology, m.id);
    const runs =
      resident !== undefined
        ? index.persona(resident)
        : restingCluster !== undefined
          ? hostProfile(restingCluster, m)
          : undefined;
    if (runs === undefined) continue;
    for (const need of runs.networks) {
      const nic = m.nics[need.nic];
      if (nic === undefined || nic.switch !== sw.id) continue;
      const vlans = need.networks.map((name) => index.networkVlan(name, site));
      const port = config.port(nic.port);
      port.mode = vlans.length === 1 ? 'access' : 'trunk';
      // Junos configurations name their VLANs and list members by name.
      if (family === 'sonic' || family === 'nvue') {
        if (vlans.length === 1) port.accessVlan = vlans[0];
        else port.vlans = [...vlans].sort((a, b) => a - b);
      } else if (family === 'junos')
        port.members = [...vlans].sort((a, b) => a - b).map((v) => config.vlans.get(v) as string);
      else if (vlans.length === 1) port.accessVlan = vlans[0];
      else port.vlans = [...vlans].sort((a, b) => a - b);
    }
  }
  return config;
}
