import type { LedgerState } from '../../inventory/ledger-records';
import { TopologyIndex } from '../../inventory/topology-index';
import type { Machine, Topology } from '../../inventory/topology-schema';
import { carried } from '../../lab/boot/boot-checks';
import type { LabSanView, LabSwitchView } from '../../lab/lab-views';
import { restingOccupants } from '../../domain/planner/resting-placement';

/**
 * The lab as the checker reads it: a Lab of this process is one, and so is a running lab read
 * over HTTP (test/support/lab-reading: `readLab`).
 */
export interface LabReading {
  machine(id: string): {
    readonly powerState: string;
    readonly dark: boolean;
    readonly bootResult?: { readonly healthy: boolean; readonly persona?: string };
  };
  readonly switchView?: LabSwitchView;
  readonly sanView?: Pick<LabSanView, 'lunsVisibleTo'>;
}

/**
 * Where the ledger and the lab disagree, machine by machine; empty when they agree. The
 * rules a run (finished, compensated or crashed and resumed) must leave true:
 *
 * - power: a machine the ledger records on is on, one it records off is off; a dark machine is
 *   never recorded on or healthy. A machine a persona is placed on is on unless the ledger
 *   records its power unknown (a burned machine whose persona stays down).
 * - what runs: a persona the ledger places on a machine it records on runs there, healthy; a
 *   machine that runs a persona healthy has it placed there (else it is a second copy).
 * - boot assignment: every MAC of a machine boots only a persona placed on that machine; a
 *   machine nothing is placed on boots nothing (else a power-on by mistake starts a second copy).
 * - ports: each carries only VLANs of the networks of what runs there (the persona on the
 *   machine and the VMs on it as a host), by the VLAN ids of the machine's site; a machine
 *   nothing runs on carries none of the topology's networks (the device's default VLAN on an
 *   unused port is nobody's).
 * - LUN masks: the machine's initiator sees only LUNs of what runs there (at another site than
 *   their home, the replicas there); nothing when idle.
 *
 * A persona no ledger has an entry for rests where the topology puts it (domain/planner/
 * resting-placement): its home machine's ports and LUNs may be set up for it, powered off.
 * A hypervisor host's trunks and datastores belong to its cluster, not to one persona: for a
 * machine the ledger records as a hypervisor only power is checked. A machine the ledger has
 * never recorded and nothing is placed on must be off with nothing assigned, VLAN-free ports
 * and no LUNs: the lab's first state.
 */
export function ledgerLabDisagreements(
  lab: LabReading,
  topology: Topology,
  ledgers: readonly LedgerState[],
): string[] {
  const problems: string[] = [];
  const personas = new Map(topology.personas.map((p) => [p.name, p]));
  const index = new TopologyIndex(topology);
  const topologyVlans = new Set(
    topology.networks.flatMap((n) => [n.vlan, ...Object.values(n.siteVlans ?? {})]),
  );
  const onMachine = new Map<string, string[]>();
  for (const l of ledgers) {
    for (const [persona, p] of Object.entries(l.placements)) {
      const at = p.kind === 'machine' ? p.machine : p.kind === 'vm' ? p.host : undefined;
      if (at !== undefined) onMachine.set(at, [...(onMachine.get(at) ?? []), persona]);
    }
  }
  // A persona no ledger has an entry for rests where the topology says (the lab starts with its
  // ports and LUNs set up, powered off).
  const resting = restingOccupants(
    topology,
    new Set(ledgers.flatMap((l) => Object.keys(l.placements))),
  );
  const records = new Map(
    ledgers.flatMap((l) => Object.values(l.machines).map((r) => [r.machine, r] as const)),
  );
  const boots = new Map(
    ledgers.flatMap((l) => Object.values(l.bootAssignments).map((b) => [b.mac, b] as const)),
  );
  const switches = lab.switchView;
  const san = lab.sanView;
  const arrays = topology.sites.flatMap((s) => s.arrays ?? []).map((a) => a.id);

  for (const machine of topology.sites.flatMap((s) => s.machines) as Machine[]) {
    const id = machine.id;
    const site = index.machineSite(id).name;
    const lm = lab.machine(id);
    const record = records.get(id);
    const placed = onMachine.get(id) ?? [];
    const say = (what: string): void => {
      problems.push(`${id}: ${what}`);
    };
    if (lm.dark && (record?.power === 'on' || record?.healthy === true))
      say(
        `dark in the lab, but the ledger records it power ${record.power}${record.healthy ? ', healthy' : ''}`,
      );
    if (!lm.dark && record?.power === 'on' && lm.powerState !== 'on')
      say(`the ledger records it on, the lab has it ${lm.powerState}`);
    if (!lm.dark && record?.power === 'off' && lm.powerState !== 'off')
      say(`the ledger records it off, the lab has it ${lm.powerState}`);
    if (placed.length > 0 && record?.power !== 'unknown' && lm.powerState !== 'on')
      say(`${placed.join(', ')} placed on it, but it is ${lm.dark ? 'dark' : lm.powerState}`);
    // What runs on bare metal (a host's OS is its cluster's hypervisor, no persona).
    const bare = ledgers
      .flatMap((l) => Object.entries(l.placements))
      .filter(([, p]) => p.kind === 'machine' && p.machine === id)
      .map(([persona]) => persona);
    const booted =
      !lm.dark && lm.powerState === 'on' && lm.bootResult?.healthy === true
        ? lm.bootResult.persona
        : undefined;
    const runs = booted !== undefined && personas.has(booted) ? booted : undefined;
    for (const p of bare)
      if (record?.power === 'on' && runs !== p)
        say(`the ledger places ${p} on it, but it runs ${runs ?? 'nothing healthy'}`);
    if (runs !== undefined && !bare.includes(runs))
      say(`runs ${runs} healthy, but the ledger places it ${placementOf(ledgers, runs)}`);
    if (record?.role === 'hypervisor') continue;

    const rests = resting.get(id);
    const owners = rests === undefined ? placed : [...placed, rests];
    const running = owners.flatMap((p) => {
      const persona = personas.get(p);
      return persona === undefined ? [] : [index.personaAt(persona, site)];
    });
    for (const nic of machine.nics) {
      const b = boots.get(nic.mac);
      if (b !== undefined && b.drill === undefined && !owners.includes(b.persona)) {
        say(
          `${nic.name} (${nic.mac}) is assigned to boot ${b.persona}, but ${owners.length === 0 ? 'nothing is placed on it' : `only ${owners.join(', ')} ${owners.length === 1 ? 'is' : 'are'} placed on it`}`,
        );
      }
      const port = switches?.portState(nic.switch, nic.port);
      if (port === undefined) continue;
      const allowed = new Set(
        running.flatMap((p) =>
          p.networks.flatMap((n) => n.networks.map((name) => index.networkVlan(name, site))),
        ),
      );
      // Only the topology's networks matter: the device's default VLAN on an unused port carries
      // nobody's traffic.
      const extra = carried(port).filter((v) => topologyVlans.has(v) && !allowed.has(v));
      if (extra.length > 0)
        say(
          `${nic.switch} ${nic.port} (${nic.name}) carries VLAN ${extra.join(', ')}, ${owners.length === 0 ? 'but nothing runs there' : `which ${owners.join(', ')} do${owners.length === 1 ? 'es' : ''} not use`}`,
        );
    }
    const iqn = machine.storage.iqn;
    if (iqn === undefined || san === undefined) continue;
    const allowedLuns = new Set(running.flatMap((p) => p.luns.map((l) => `${l.array}/${l.lun}`)));
    for (const array of arrays) {
      const extra = san
        .lunsVisibleTo(array, iqn)
        .filter((lun) => !allowedLuns.has(`${array}/${lun}`));
      if (extra.length > 0)
        say(
          `sees ${extra.map((l) => `${array}/${l}`).join(', ')} through ${iqn}, ${owners.length === 0 ? 'but nothing runs there' : `which ${owners.join(', ')} do${owners.length === 1 ? 'es' : ''} not use`}`,
        );
    }
  }
  return problems;
}

function placementOf(ledgers: readonly LedgerState[], persona: string): string {
  const p = ledgers.map((l) => l.placements[persona]).find((x) => x !== undefined);
  if (p === undefined || p.kind === 'none') return 'nowhere';
  return p.kind === 'machine'
    ? `on ${p.machine}`
    : p.kind === 'vm'
      ? `as a VM on ${p.host}`
      : JSON.stringify(p);
}
