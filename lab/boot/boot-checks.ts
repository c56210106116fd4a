import type { DrillBoot } from '../../inventory/ledger-records';
import type { TopologyIndex } from '../../inventory/topology-index';
import type { Machine, Persona } from '../../inventory/topology-schema';
import type { LabFabricView, LabPortState, LabSanView, LabSwitchView } from '../lab-views';

/**
 * VLANs a port lets through: none when shut down, its access VLAN, or its trunk list and native
 * VLAN.
 */
export function carried(port: LabPortState): number[] {
  if (port.shutdown) return [];
  const native = port.accessVlan === undefined ? [] : [port.accessVlan];
  return port.mode === 'access' ? native : [...new Set([...native, ...port.trunkVlans])];
}

/**
 * Whether each NIC's switch port carries what the persona's NIC needs: the one network as
 * the access VLAN, or every network on a trunk. One message per missing piece. For a drill
 * copy (`bubble`), each network's bubble VLAN stands in for its production VLAN, and a
 * production VLAN on any port of the machine is a problem of its own.
 */
export function vlanProblems(
  topology: TopologyIndex,
  machine: Machine,
  persona: Persona,
  view: LabSwitchView | undefined,
  bubble?: DrillBoot['bubble'],
): string[] {
  if (persona.networks.length === 0 && bubble === undefined) return [];
  if (view === undefined) return ['no lab switch is running, so no port carries any VLAN'];
  const problems: string[] = [];
  const vlanOf = (network: string): { name: string; vlan: number } | undefined => {
    if (bubble === undefined) {
      const site = topology.machineSite(machine.id).name;
      return { name: network, vlan: topology.networkVlan(network, site) };
    }
    const b = bubble.find((x) => x.network === network);
    return b === undefined ? undefined : { name: `bubble of ${network}`, vlan: b.vlan };
  };
  for (const need of persona.networks) {
    const nic = machine.nics[need.nic];
    if (nic === undefined) {
      problems.push(
        `persona ${persona.name} needs NIC ${need.nic} but ${machine.id} has ${machine.nics.length}`,
      );
      continue;
    }
    const where = `${nic.switch} port ${nic.port} (${nic.name})`;
    const port = view.portState(nic.switch, nic.port);
    if (port === undefined) {
      problems.push(`${where} does not exist in the lab`);
      continue;
    }
    if (port.shutdown) problems.push(`${where} is shut down`);
    const vlans = need.networks.flatMap((n) => vlanOf(n) ?? []);
    if (vlans.length < need.networks.length) {
      problems.push(
        ...need.networks
          .filter((n) => vlanOf(n) === undefined)
          .map(
            (n) =>
              `the drill copy's boot script gives network ${n} (NIC ${need.nic}) no bubble VLAN`,
          ),
      );
      continue;
    }
    const [only] = vlans;
    if (vlans.length === 1 && only !== undefined) {
      if (port.mode !== 'access' || port.accessVlan !== only.vlan) {
        const now =
          port.mode === 'access'
            ? `access VLAN ${port.accessVlan ?? 'none'}`
            : `a trunk (${port.trunkVlans.join(',') || 'no VLANs'})`;
        problems.push(
          `VLAN ${only.vlan} (${only.name}) missing on ${where}: it needs access VLAN ${only.vlan}, the port is ${now}`,
        );
      }
      continue;
    }
    if (port.mode !== 'trunk') {
      problems.push(
        `${where} must be a trunk carrying VLANs ${vlans.map((v) => v.vlan).join(',')}, but it is access VLAN ${port.accessVlan ?? 'none'}`,
      );
      continue;
    }
    for (const v of vlans.filter((v) => !port.trunkVlans.includes(v.vlan)))
      problems.push(`VLAN ${v.vlan} (${v.name}) missing on the trunk of ${where}`);
  }
  if (bubble !== undefined) problems.push(...productionLeaks(topology, machine, view));
  return problems;
}

/**
 * Production VLANs that reach a drill copy through any of its machine's ports (used by the persona
 * or not), by the ids they have at the machine's site.
 */
function productionLeaks(topology: TopologyIndex, machine: Machine, view: LabSwitchView): string[] {
  const site = topology.machineSite(machine.id).name;
  const production = new Map(
    topology.topology.networks
      .filter((n) => !n.isolated)
      .map((n) => [topology.networkVlan(n.name, site), n.name]),
  );
  return machine.nics.flatMap((nic) => {
    const port = view.portState(nic.switch, nic.port);
    const leaks = port === undefined ? [] : carried(port).filter((v) => production.has(v));
    return leaks.map(
      (v) =>
        `production VLAN ${v} (${production.get(v)}) reaches the drill copy on ${nic.switch} port ${nic.port} (${nic.name})`,
    );
  });
}

/**
 * The persona's LUNs, once the machine has an initiator and the lab an array; otherwise the one
 * problem that stops every LUN.
 */
function lunCheck(
  machine: Machine,
  persona: Persona,
  view: LabSanView | undefined,
): { initiator: string; view: LabSanView } | { problem: string } | undefined {
  if (persona.luns.length === 0) return undefined;
  const initiator = machine.storage.iqn;
  if (initiator === undefined)
    return {
      problem: `${machine.id} has no iSCSI initiator, but persona ${persona.name} needs LUNs ${persona.luns.map((l) => l.lun).join(', ')}`,
    };
  if (view === undefined) return { problem: 'no lab array is running, so no LUN is visible' };
  return { initiator, view };
}

/**
 * For a machine with HBAs and an array with an FC path: the LUN's zone must let one of its WWPNs
 * reach the array.
 */
function zoneProblem(
  machine: Machine,
  array: string,
  lun: string,
  fabrics: LabFabricView | undefined,
): string[] {
  if (machine.storage.wwpns.length === 0) return [];
  const zoned = fabrics?.zoned(array, lun, machine.storage.wwpns);
  return zoned === false ? [`LUN ${lun} on ${array} is not zoned to ${machine.id}'s WWPNs`] : [];
}

/**
 * Whether every LUN of the persona exists and is masked to the machine's initiator (and, over FC,
 * zoned to it).
 */
export function lunProblems(
  machine: Machine,
  persona: Persona,
  view: LabSanView | undefined,
  fabrics?: LabFabricView,
): string[] {
  const check = lunCheck(machine, persona, view);
  if (check === undefined) return [];
  if ('problem' in check) return [check.problem];
  const problems: string[] = [];
  for (const l of persona.luns) {
    if (!check.view.lunExists(l.array, l.lun))
      problems.push(`LUN ${l.lun} does not exist on ${l.array}`);
    else if (!check.view.lunsVisibleTo(l.array, check.initiator).includes(l.lun))
      problems.push(`LUN ${l.lun} on ${l.array} is not masked to ${check.initiator}`);
    else problems.push(...zoneProblem(machine, l.array, l.lun, fabrics));
  }
  return problems;
}

/**
 * For a drill copy: whether each of the persona's LUNs has its clone named in the boot
 * script, that clone really is a copy of it, exists, and is masked to the machine's
 * initiator, while the production LUN is not.
 */
export function cloneProblems(
  machine: Machine,
  persona: Persona,
  view: LabSanView | undefined,
  clones: DrillBoot['luns'],
  fabrics?: LabFabricView,
): string[] {
  const check = lunCheck(machine, persona, view);
  if (check === undefined) return [];
  if ('problem' in check) return [check.problem];
  const problems: string[] = [];
  for (const l of persona.luns) {
    const visible = check.view.lunsVisibleTo(l.array, check.initiator);
    if (visible.includes(l.lun))
      problems.push(
        `production LUN ${l.lun} on ${l.array} is masked to the drill copy's initiator ${check.initiator}`,
      );
    const clone = clones.find((c) => c.array === l.array && c.lun === l.lun)?.clone;
    if (clone === undefined)
      problems.push(`the drill copy's boot script names no clone of LUN ${l.lun} on ${l.array}`);
    else if (!check.view.lunExists(l.array, clone))
      problems.push(`clone ${clone} of LUN ${l.lun} does not exist on ${l.array}`);
    else if (check.view.cloneSource(l.array, clone) !== l.lun)
      problems.push(`${clone} on ${l.array} is not a clone of LUN ${l.lun}`);
    else if (!visible.includes(clone))
      problems.push(
        `clone ${clone} of LUN ${l.lun} on ${l.array} is not masked to ${check.initiator}`,
      );
    else problems.push(...zoneProblem(machine, l.array, clone, fabrics));
  }
  return problems;
}

/**
 * Whether iPXE's login to the booted target passes CHAP with the script's `username` and
 * `password` settings (what iPXE answers a challenge with), as tgtd or LIO would decide it.
 */
export function chapProblems(
  machine: Machine,
  settings: Readonly<Record<string, string>>,
  login: { array: string; lun: string },
  view: LabSanView | undefined,
): string[] {
  const user = settings.username;
  const secret = settings.password;
  const offered = user === undefined || secret === undefined ? undefined : { user, secret };
  const refusal = view?.loginRefusal(login.array, login.lun, machine.storage.iqn ?? '', offered);
  return refusal === undefined ? [] : [`sanboot of LUN ${login.lun} on ${login.array}: ${refusal}`];
}
