import { ValidationError, type FieldIssue } from '../../common/errors';
import type { Arch, Machine, Persona } from '../../inventory/topology-schema';
import { compareIds } from './compare-ids';
import { restingPlacements } from './resting-placement';
import type { Placement, PlannerInput, Resources } from './planner-input';

export interface LostPersona {
  readonly name: string;
  readonly priority: number;
  readonly arch: Arch;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly vmAllowed: boolean;
  readonly from: Placement;
  /** Another run holds it, so this plan must not move it. */
  readonly leased: boolean;
}

/** A machine the plan may take: whole, for one persona, or as a new hypervisor host. */
export interface Offer {
  readonly machine: string;
  readonly arch: Arch;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly pool: 'spare' | 'repurposable';
  /** Present when taking the machine evicts a running persona. */
  readonly occupant?: { readonly persona: string; readonly priority: number };
  /** It may become a new hypervisor host: it has a hypervisor endpoint, and a cluster (hypervisor persona) serves its site. */
  readonly canHost: boolean;
}

/** A running hypervisor host whose free room may take VMs; it is never taken whole. */
export interface ExistingHost {
  readonly machine: string;
  readonly arch: Arch;
  readonly freeCores: number;
  readonly freeMemoryGiB: number;
}

/**
 * Every machine the plan could reach if occupancy and options allowed. Unrestored reasons
 * are judged against these. `busy`: runs a persona that is not evictable (a spare someone
 * was already moved to, or an occupant leased by another run); `barred`: the options
 * forbid it (no repurposing, or a spares-only drill).
 */
export interface ReachableMachine {
  readonly machine: string;
  readonly arch: Arch;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly role: 'offer' | 'host' | 'busy' | 'barred';
}

/** The planner's view of the world: the ledger laid over the topology, checked, sorted by id. */
export interface PlannerModel {
  readonly failedMachines: readonly string[];
  /** Sorted by priority, then name. */
  readonly lost: readonly LostPersona[];
  readonly offers: readonly Offer[];
  readonly existingHosts: readonly ExistingHost[];
  readonly reachable: readonly ReachableMachine[];
  /** Undefined when the topology has no hypervisor image, or the options forbid new hosts: no new hosts then. */
  readonly hypervisorImage: string | undefined;
  readonly overhead: Resources;
  readonly searchNodes: number;
}

function resolveHypervisorImage(input: PlannerInput, issues: FieldIssue[]): string | undefined {
  const wanted = input.options.hypervisorImage;
  const images = input.topology.bootImages.filter((b) => b.kind === 'hypervisor').map((b) => b.name).sort(compareIds);
  if (wanted !== undefined) {
    if (!images.includes(wanted)) issues.push({ path: 'options.hypervisorImage', message: `"${wanted}" is not a hypervisor boot image of the topology` });
    return wanted;
  }
  if (images.length > 1) issues.push({ path: 'options.hypervisorImage', message: `the topology has several hypervisor images (${images.join(', ')}): choose one` });
  return images[0];
}

/**
 * Lays the ledger over the topology and sorts everything by id, so that nothing after
 * this depends on the order the input arrays came in. Throws ValidationError naming every
 * reference that does not resolve.
 */
export function buildPlannerModel(input: PlannerInput): PlannerModel {
  const { topology, ledger, options } = input;
  const issues: FieldIssue[] = [];
  const machines = new Map<string, { machine: Machine; site: string }>();
  for (const site of topology.sites) for (const machine of site.machines) machines.set(machine.id, { machine, site: site.name });
  const personas = new Map(topology.personas.map((p) => [p.name, p]));
  const knownMachine = (id: string, path: string): void => {
    if (!machines.has(id)) issues.push({ path, message: `unknown machine "${id}"` });
  };

  const failed = new Set<string>();
  input.failedMachines.forEach((id, i) => {
    knownMachine(id, `failedMachines[${i}]`);
    failed.add(id);
  });
  const sites = new Set(topology.sites.map((s) => s.name));
  options.targetSites?.forEach((s, i) => {
    if (!sites.has(s)) issues.push({ path: `options.targetSites[${i}]`, message: `unknown site "${s}"` });
  });
  const resolvedImage = resolveHypervisorImage(input, issues);
  const hypervisorImage = input.options.newHosts ? resolvedImage : undefined;

  const resting = restingPlacements(topology);
  const placements = new Map<string, Placement>();
  ledger.placements.forEach((entry, i) => {
    const path = `ledger.placements[${i}]`;
    if (!personas.has(entry.persona)) issues.push({ path: `${path}.persona`, message: `unknown persona "${entry.persona}"` });
    if (placements.has(entry.persona)) issues.push({ path: `${path}.persona`, message: `persona "${entry.persona}" is placed twice` });
    if (entry.placement.kind === 'machine') knownMachine(entry.placement.machine, `${path}.placement.machine`);
    if (entry.placement.kind === 'vm') knownMachine(entry.placement.host, `${path}.placement.host`);
    placements.set(entry.persona, entry.placement);
  });
  for (const persona of personas.values()) if (!placements.has(persona.name)) placements.set(persona.name, resting.get(persona.name) ?? { kind: 'none' });

  const hosts = new Set<string>();
  ledger.hypervisorHosts.forEach((id, i) => {
    knownMachine(id, `ledger.hypervisorHosts[${i}]`);
    hosts.add(id);
  });
  const onMachine = new Map<string, Persona>();
  const vmsOn = new Map<string, Persona[]>();
  for (const name of [...placements.keys()].sort(compareIds)) {
    const placement = placements.get(name);
    const persona = personas.get(name);
    if (placement === undefined || persona === undefined) continue;
    if (placement.kind === 'machine') {
      const other = onMachine.get(placement.machine);
      if (other !== undefined) issues.push({ path: 'ledger.placements', message: `personas "${other.name}" and "${name}" are both placed on machine "${placement.machine}"` });
      onMachine.set(placement.machine, persona);
    } else if (placement.kind === 'vm') {
      hosts.add(placement.host);
      vmsOn.set(placement.host, [...(vmsOn.get(placement.host) ?? []), persona]);
    }
  }
  const states = new Map<string, { power: string; healthy: boolean }>();
  ledger.machines.forEach((s, i) => {
    knownMachine(s.machine, `ledger.machines[${i}].machine`);
    if (states.has(s.machine)) issues.push({ path: `ledger.machines[${i}].machine`, message: `machine "${s.machine}" is listed twice` });
    states.set(s.machine, s);
  });
  const leasedByOthers = new Set(ledger.leases.filter((l) => l.holder !== options.holder).map((l) => `${l.kind}:${l.id}`));
  if (issues.length > 0) throw new ValidationError('failover planner input', issues);

  const lost: LostPersona[] = [];
  for (const [name, from] of placements) {
    const persona = personas.get(name);
    const gone = (from.kind === 'machine' && failed.has(from.machine)) || (from.kind === 'vm' && failed.has(from.host));
    if (persona === undefined || !gone) continue;
    const { arch, cores, memoryGiB } = persona.requirements;
    lost.push({ name, priority: persona.priority, arch, cores, memoryGiB, vmAllowed: persona.vmAllowed, from, leased: leasedByOthers.has(`persona:${name}`) });
  }
  lost.sort((a, b) => a.priority - b.priority || compareIds(a.name, b.name));

  // A cluster is a persona booting a hypervisor image; with a home it serves that home's site, without one every site.
  const hypervisorImages = new Set(input.topology.bootImages.filter((b) => b.kind === 'hypervisor').map((b) => b.name));
  const clusterSites = input.topology.personas
    .filter((p) => hypervisorImages.has(p.image))
    .map((p) => (p.home === undefined ? '*' : machines.get('machine' in p.home ? p.home.machine : p.home.host)?.site ?? ''));
  const canHost = (machine: { hypervisor?: unknown }, site: string): boolean => machine.hypervisor !== undefined && (clusterSites.includes('*') || clusterSites.includes(site));

  const offers: Offer[] = [];
  const existingHosts: ExistingHost[] = [];
  const reachable: ReachableMachine[] = [];
  for (const id of [...machines.keys()].sort(compareIds)) {
    const found = machines.get(id);
    if (found === undefined) continue;
    const { machine, site } = found;
    const state = states.get(id);
    const usable =
      (options.targetSites === undefined || options.targetSites.includes(site)) &&
      !failed.has(id) &&
      !leasedByOthers.has(`machine:${id}`) &&
      state?.power !== 'unknown' &&
      state?.healthy !== false;
    if (machine.pool === 'dedicated' || !usable) continue;
    const base = { machine: id, arch: machine.arch, cores: machine.cores, memoryGiB: machine.memoryGiB };
    const hostable = canHost(machine, site);
    const occupant = onMachine.get(id);
    let role: ReachableMachine['role'];
    if (hosts.has(id)) {
      role = options.sparesOnly ? 'barred' : 'host';
      if (role === 'host') {
        const vms = vmsOn.get(id) ?? [];
        const used = (key: 'cores' | 'memoryGiB'): number => vms.reduce((sum, vm) => sum + vm.requirements[key], 0);
        existingHosts.push({
          machine: id,
          arch: machine.arch,
          freeCores: machine.cores - options.hostOverhead.cores - used('cores'),
          freeMemoryGiB: machine.memoryGiB - options.hostOverhead.memoryGiB - used('memoryGiB'),
        });
      }
    } else if (occupant === undefined) {
      role = machine.pool === 'repurposable' && options.sparesOnly ? 'barred' : 'offer';
      if (role === 'offer') offers.push({ ...base, pool: machine.pool, canHost: hostable });
    } else if (machine.pool === 'spare' || leasedByOthers.has(`persona:${occupant.name}`)) {
      role = 'busy';
    } else {
      role = options.allowRepurpose ? 'offer' : 'barred';
      // The stricter of the two: a machine now running something more important than it declares is protected as that.
      const priority = Math.min(machine.priority ?? occupant.priority, occupant.priority);
      if (role === 'offer') offers.push({ ...base, pool: machine.pool, occupant: { persona: occupant.name, priority }, canHost: hostable });
    }
    reachable.push({ ...base, role });
  }

  return {
    failedMachines: [...failed].sort(compareIds),
    lost,
    offers,
    existingHosts,
    reachable,
    hypervisorImage,
    overhead: options.hostOverhead,
    searchNodes: options.searchNodes,
  };
}
