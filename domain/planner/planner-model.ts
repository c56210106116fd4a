import { ValidationError, type FieldIssue } from '../../common/errors';
import { clusterServes, restingClusterOf } from '../../inventory/hypervisor-cluster';
import {
  DEFAULT_HOST_OVERHEAD,
  type Arch,
  type Cluster,
  type HostOverhead,
  type Machine,
  type Persona,
} from '../../inventory/topology-schema';
import { compareIds } from './compare-ids';
import { restingPlacements } from './resting-placement';
import type { Placement, PlannerInput } from './planner-input';
import { machineResource, personaResource } from '../../inventory/ledger-records';

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
  /**
   * It may become a new hypervisor host: it has a hypervisor endpoint, and a cluster it would join
   * (below).
   */
  readonly canHost: boolean;
  /**
   * The cluster it would join as a new host: the one named, else its resting cluster, else its
   * site's only one.
   */
  readonly cluster?: string;
  /** What it would keep for itself as a host (its cluster's hostOverhead). */
  readonly overhead: HostOverhead;
}

/** A running hypervisor host whose free room may take VMs; it is never taken whole. */
interface ExistingHost {
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
interface ReachableMachine {
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
  /** The image each cluster's hosts boot. */
  readonly clusterImages: ReadonlyMap<string, string>;
  readonly searchNodes: number;
}

/**
 * The cluster new hosts in each site join: `options.cluster` where it serves the site, else
 * the only cluster serving it. Where several serve a site that has machines able to host and
 * none is named, the input is refused (new hosts may be needed there).
 */
function clustersBySite(
  input: PlannerInput,
  issues: FieldIssue[],
): Map<string, Cluster | undefined> {
  const { topology, options } = input;
  const bySite = new Map<string, Cluster | undefined>();
  const wanted =
    options.cluster === undefined
      ? undefined
      : topology.clusters.find((c) => c.name === options.cluster);
  if (options.cluster !== undefined && wanted === undefined)
    issues.push({
      path: 'options.cluster',
      message: `unknown cluster "${options.cluster}" (declare it under clusters)`,
    });
  const targets = topology.sites.filter(
    (s) => options.targetSites === undefined || options.targetSites.includes(s.name),
  );
  if (wanted !== undefined && !targets.some((s) => clusterServes(wanted, s.name))) {
    issues.push({
      path: 'options.cluster',
      message: `cluster ${wanted.name} serves none of the target sites (${targets.map((s) => s.name).join(', ')})`,
    });
  }
  for (const site of topology.sites) {
    if (options.cluster !== undefined) {
      bySite.set(
        site.name,
        wanted !== undefined && clusterServes(wanted, site.name) ? wanted : undefined,
      );
      continue;
    }
    const fitting = topology.clusters
      .filter((c) => clusterServes(c, site.name))
      .sort((a, b) => compareIds(a.name, b.name));
    const mayHost = site.machines.some((m) => m.hypervisor !== undefined && m.pool !== 'dedicated');
    if (fitting.length > 1 && options.newHosts && mayHost && targets.includes(site)) {
      issues.push({
        path: 'options.cluster',
        message: `site ${site.name} has several clusters (${fitting.map((c) => c.name).join(', ')}): name one in input.cluster`,
      });
    }
    bySite.set(site.name, fitting.length === 1 ? fitting[0] : undefined);
  }
  return bySite;
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
  for (const site of topology.sites)
    for (const machine of site.machines) machines.set(machine.id, { machine, site: site.name });
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
    if (!sites.has(s))
      issues.push({ path: `options.targetSites[${i}]`, message: `unknown site "${s}"` });
  });
  const siteCluster = clustersBySite(input, issues);

  const resting = restingPlacements(topology);
  const placements = new Map<string, Placement>();
  ledger.placements.forEach((entry, i) => {
    const path = `ledger.placements[${i}]`;
    if (!personas.has(entry.persona))
      issues.push({ path: `${path}.persona`, message: `unknown persona "${entry.persona}"` });
    if (placements.has(entry.persona))
      issues.push({
        path: `${path}.persona`,
        message: `persona "${entry.persona}" is placed twice`,
      });
    if (entry.placement.kind === 'machine')
      knownMachine(entry.placement.machine, `${path}.placement.machine`);
    if (entry.placement.kind === 'vm') knownMachine(entry.placement.host, `${path}.placement.host`);
    placements.set(entry.persona, entry.placement);
  });
  for (const persona of personas.values())
    if (!placements.has(persona.name))
      placements.set(persona.name, resting.get(persona.name) ?? { kind: 'none' });

  const hosts = new Set<string>();
  ledger.hypervisorHosts.forEach((id, i) => {
    knownMachine(id, `ledger.hypervisorHosts[${i}]`);
    hosts.add(id);
  });
  // A cluster's resting hosts are hosts, unless the ledger records them in another role.
  const notHosts = new Set(ledger.notHosts);
  for (const c of topology.clusters)
    for (const h of c.hosts) if (!notHosts.has(h) && machines.has(h)) hosts.add(h);
  const onMachine = new Map<string, Persona>();
  const vmsOn = new Map<string, Persona[]>();
  for (const name of [...placements.keys()].sort(compareIds)) {
    const placement = placements.get(name);
    const persona = personas.get(name);
    if (placement === undefined || persona === undefined) continue;
    if (placement.kind === 'machine') {
      const other = onMachine.get(placement.machine);
      if (other !== undefined)
        issues.push({
          path: 'ledger.placements',
          message: `personas "${other.name}" and "${name}" are both placed on machine "${placement.machine}"`,
        });
      onMachine.set(placement.machine, persona);
    } else if (placement.kind === 'vm') {
      hosts.add(placement.host);
      vmsOn.set(placement.host, [...(vmsOn.get(placement.host) ?? []), persona]);
    }
  }
  const states = new Map<string, { power: string; healthy: boolean }>();
  ledger.machines.forEach((s, i) => {
    knownMachine(s.machine, `ledger.machines[${i}].machine`);
    if (states.has(s.machine))
      issues.push({
        path: `ledger.machines[${i}].machine`,
        message: `machine "${s.machine}" is listed twice`,
      });
    states.set(s.machine, s);
  });
  const leasedByOthers = new Set(
    ledger.leases.filter((l) => l.holder !== options.holder).map((l) => `${l.kind}:${l.id}`),
  );
  if (issues.length > 0) throw new ValidationError('failover planner input', issues);

  const lost: LostPersona[] = [];
  for (const [name, from] of placements) {
    const persona = personas.get(name);
    const gone =
      (from.kind === 'machine' && failed.has(from.machine)) ||
      (from.kind === 'vm' && failed.has(from.host));
    if (persona === undefined || !gone) continue;
    const { arch, cores, memoryGiB } = persona.requirements;
    lost.push({
      name,
      priority: persona.priority,
      arch,
      cores,
      memoryGiB,
      vmAllowed: persona.vmAllowed,
      from,
      leased: leasedByOthers.has(personaResource(name)),
    });
  }
  lost.sort((a, b) => a.priority - b.priority || compareIds(a.name, b.name));

  const clusters = new Map(topology.clusters.map((c) => [c.name, c]));
  /**
   * The cluster a machine would join as a new host (see Offer.cluster); none without an endpoint or
   * initiator, or when new hosts are off.
   */
  const joins = (machine: Machine, site: string): Cluster | undefined => {
    if (machine.hypervisor === undefined || !options.newHosts) return undefined;
    const cluster =
      options.cluster !== undefined
        ? siteCluster.get(site)
        : (restingClusterOf(topology, machine.id) ?? siteCluster.get(site));
    // A host sees the datastores through its iSCSI initiator: without one it could never come up.
    return cluster !== undefined &&
      cluster.datastores.length > 0 &&
      machine.storage.iqn === undefined
      ? undefined
      : cluster;
  };
  /**
   * What an existing host keeps for itself: its recorded cluster's overhead, else its resting
   * one's, else its site's.
   */
  const overheadOf = (id: string, site: string): HostOverhead => {
    const recorded = ledger.hostClusters[id];
    const cluster =
      (recorded === undefined ? undefined : clusters.get(recorded)) ??
      restingClusterOf(topology, id) ??
      siteCluster.get(site);
    return cluster?.hostOverhead ?? DEFAULT_HOST_OVERHEAD;
  };

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
      !leasedByOthers.has(machineResource(id)) &&
      state?.power !== 'unknown' &&
      state?.healthy !== false;
    if (!usable) continue;
    const base = {
      machine: id,
      arch: machine.arch,
      cores: machine.cores,
      memoryGiB: machine.memoryGiB,
    };
    const cluster = joins(machine, site);
    const host = {
      canHost: cluster !== undefined,
      ...(cluster && { cluster: cluster.name }),
      overhead: cluster?.hostOverhead ?? DEFAULT_HOST_OVERHEAD,
    };
    const occupant = onMachine.get(id);
    let role: ReachableMachine['role'];
    if (hosts.has(id)) {
      role = options.sparesOnly ? 'barred' : 'host';
      if (role === 'host') {
        const vms = vmsOn.get(id) ?? [];
        const used = (key: 'cores' | 'memoryGiB'): number =>
          vms.reduce((sum, vm) => sum + vm.requirements[key], 0);
        const overhead = overheadOf(id, site);
        existingHosts.push({
          machine: id,
          arch: machine.arch,
          freeCores: machine.cores - overhead.cores - used('cores'),
          freeMemoryGiB: machine.memoryGiB - overhead.memoryGiB - used('memoryGiB'),
        });
      }
    } else if (machine.pool === 'dedicated') {
      // Never taken; but one that runs as a host (a cluster's resting host) offers its room above.
      continue;
    } else if (occupant === undefined) {
      role = machine.pool === 'repurposable' && options.sparesOnly ? 'barred' : 'offer';
      if (role === 'offer') offers.push({ ...base, pool: machine.pool, ...host });
    } else if (machine.pool === 'spare' || leasedByOthers.has(personaResource(occupant.name))) {
      role = 'busy';
    } else {
      role = options.allowRepurpose ? 'offer' : 'barred';
      // The stricter of the two: a machine now running something more important than it declares is
      // protected as that.
      const priority = Math.min(machine.priority ?? occupant.priority, occupant.priority);
      if (role === 'offer')
        offers.push({
          ...base,
          pool: machine.pool,
          occupant: { persona: occupant.name, priority },
          ...host,
        });
    }
    reachable.push({ ...base, role });
  }

  return {
    failedMachines: [...failed].sort(compareIds),
    lost,
    offers,
    existingHosts,
    reachable,
    clusterImages: new Map(topology.clusters.map((c) => [c.name, c.image])),
    searchNodes: options.searchNodes,
  };
}
