import { ValidationError } from '../../common/errors';
import type { TopologyIndex } from '../../inventory/topology-index';
import type { Machine, Persona } from '../../inventory/topology-schema';
import type { PortVlanState } from '../../drivers/switch/port-vlan-state';

export interface PortTarget {
  readonly switchId: string;
  readonly port: string;
  readonly desired: PortVlanState;
}

export interface LunTarget {
  readonly array: string;
  readonly lun: string;
  readonly boot: boolean;
}

/**
 * Everything a runbook must make true for `persona` to run on `machine`: computed from the
 * topology, no I/O.
 */
export interface PlacementPlan {
  readonly site: string;
  readonly persona: string;
  readonly machine: string;
  readonly initiator: string | undefined;
  readonly ports: readonly PortTarget[];
  readonly luns: readonly LunTarget[];
  /** MACs that must fetch the persona's boot script (every NIC of the machine). */
  readonly macs: readonly string[];
  readonly image: string;
  readonly bootFromNetwork: boolean;
}

/** One network on a NIC → an access port; several → a trunk carrying them all. */
export function portStateFor(vlans: readonly number[]): PortVlanState {
  const sorted = [...new Set(vlans)].sort((a, b) => a - b);
  return sorted.length === 1
    ? { mode: 'access', accessVlan: sorted[0]!, shutdown: false }
    : { mode: 'trunk', trunkVlans: sorted, shutdown: false };
}

/**
 * Throws ValidationError naming the missing piece when the machine cannot carry the persona at
 * all. `vlanOf` says which VLAN carries each network (a drill puts its bubble's there).
 */
export function placementPlan(
  topology: TopologyIndex,
  home: Persona,
  machine: Machine,
  vlanOf?: (network: string) => number,
): PlacementPlan {
  // At another site the persona uses that site's VLAN ids and its LUNs' replicas there.
  const site = topology.machineSite(machine.id).name;
  const persona = topology.personaAt(home, site);
  const vlan = vlanOf ?? ((n: string) => topology.networkVlan(n, site));
  const issues = [];
  const ports: PortTarget[] = [];
  for (const nic of persona.networks) {
    const cabled = machine.nics[nic.nic];
    if (cabled === undefined) {
      issues.push({
        path: `persona.networks[nic=${nic.nic}]`,
        message: `machine ${machine.id} has no NIC ${nic.nic}`,
      });
      continue;
    }
    ports.push({
      switchId: cabled.switch,
      port: cabled.port,
      desired: portStateFor(nic.networks.map(vlan)),
    });
  }
  if (persona.luns.length > 0 && machine.storage.iqn === undefined) {
    issues.push({
      path: 'machine.storage.iqn',
      message: `machine ${machine.id} has no iSCSI initiator for persona ${persona.name}'s LUNs`,
    });
  }
  if (issues.length > 0)
    throw new ValidationError(`persona ${persona.name} on machine ${machine.id}`, issues);
  const image = topology.bootImage(persona.image);
  return {
    site,
    persona: persona.name,
    machine: machine.id,
    initiator: machine.storage.iqn,
    ports,
    luns: persona.luns.map((l) => ({ array: l.array, lun: l.lun, boot: l.boot })),
    macs: machine.nics.map((n) => n.mac),
    image: image.name,
    bootFromNetwork: true,
  };
}
