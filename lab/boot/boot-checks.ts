import type { TopologyIndex } from '../../inventory/topology-index';
import type { Machine, Persona } from '../../inventory/topology-schema';
import type { LabSanView, LabSwitchView } from '../lab-views';

/**
 * Whether each NIC's switch port carries what the persona's NIC needs: the one network as
 * the access VLAN, or every network on a trunk. One message per missing piece.
 */
export function vlanProblems(topology: TopologyIndex, machine: Machine, persona: Persona, view: LabSwitchView | undefined): string[] {
  if (persona.networks.length === 0) return [];
  if (view === undefined) return ['no lab switch is running, so no port carries any VLAN'];
  const problems: string[] = [];
  for (const need of persona.networks) {
    const nic = machine.nics[need.nic];
    if (nic === undefined) {
      problems.push(`persona ${persona.name} needs NIC ${need.nic} but ${machine.id} has ${machine.nics.length}`);
      continue;
    }
    const where = `${nic.switch} port ${nic.port} (${nic.name})`;
    const port = view.portState(nic.switch, nic.port);
    if (port === undefined) {
      problems.push(`${where} does not exist in the lab`);
      continue;
    }
    if (port.shutdown) problems.push(`${where} is shut down`);
    const vlans = need.networks.map((n) => ({ name: n, vlan: topology.network(n).vlan }));
    const [only] = vlans;
    if (vlans.length === 1 && only !== undefined) {
      if (port.mode !== 'access' || port.accessVlan !== only.vlan) {
        const now = port.mode === 'access' ? `access VLAN ${port.accessVlan ?? 'none'}` : `a trunk (${port.trunkVlans.join(',') || 'no VLANs'})`;
        problems.push(`VLAN ${only.vlan} (${only.name}) missing on ${where}: it needs access VLAN ${only.vlan}, the port is ${now}`);
      }
      continue;
    }
    if (port.mode !== 'trunk') {
      problems.push(`${where} must be a trunk carrying VLANs ${vlans.map((v) => v.vlan).join(',')}, but it is access VLAN ${port.accessVlan ?? 'none'}`);
      continue;
    }
    for (const v of vlans.filter((v) => !port.trunkVlans.includes(v.vlan))) problems.push(`VLAN ${v.vlan} (${v.name}) missing on the trunk of ${where}`);
  }
  return problems;
}

/** Whether every LUN of the persona exists and is masked to the machine's initiator. */
export function lunProblems(machine: Machine, persona: Persona, view: LabSanView | undefined): string[] {
  if (persona.luns.length === 0) return [];
  const initiator = machine.storage.iqn;
  if (initiator === undefined) return [`${machine.id} has no iSCSI initiator, but persona ${persona.name} needs LUNs ${persona.luns.map((l) => l.lun).join(', ')}`];
  if (view === undefined) return ['no lab array is running, so no LUN is visible'];
  const problems: string[] = [];
  for (const l of persona.luns) {
    if (!view.lunExists(l.array, l.lun)) problems.push(`LUN ${l.lun} does not exist on ${l.array}`);
    else if (!view.lunsVisibleTo(l.array, initiator).includes(l.lun)) problems.push(`LUN ${l.lun} on ${l.array} is not masked to ${initiator}`);
  }
  return problems;
}
