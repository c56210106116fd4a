import { LEVELS } from './capacity-bound';
import { compareIds } from './compare-ids';
import type {
  Eviction,
  FailoverPlan,
  NewHost,
  PlanTarget,
  PriorityGroup,
  Restoration,
} from './failover-plan';
import type { PlannerInput } from './planner-input';
import { buildPlannerModel, type LostPersona, type Offer } from './planner-model';
import { searchPlacements, type Choice } from './placement-search';
import { unrestoredReason, type FinalRoom } from './unrestored-reason';

/**
 * Plans a failover: where every persona lost with the failed machines goes, or why it
 * stays down.
 *
 * Rules: a persona is lost when the ledger (else the topology) places it on a failed
 * machine or as a VM on a failed host. It may take a spare or repurposable machine in the
 * target sites that is not failed, dedicated, leased by another run, dark or unhealthy,
 * of its arch and at least its cores and memory; or run as a VM (only if vmAllowed) in
 * the free room of an existing hypervisor host or of a machine the plan turns into one,
 * every host keeping its cluster's `hostOverhead` for itself. An occupant of a repurposable machine
 * is
 * evicted only for a persona of strictly higher priority (a lower number): at equal
 * priority the swap would restore nothing on balance and add a disruption and a step that
 * can fail. A new host's eviction is charged to the persona it is opened for, the
 * highest-priority VM on it.
 *
 * Algorithm and guarantee: depth-first branch and bound (placement-search.ts, pruned by
 * the bound in capacity-bound.ts). It maximizes, lexicographically from priority 1 down,
 * the number of personas restored minus the number evicted at each priority; on a tie,
 * fewer evictions, then fewer new hypervisor hosts. When `search.optimal` is true no plan
 * does better: none restores more priority-1 personas (net of evictions); of those that
 * restore as many, none does better at priority 2; and so on. So an occupant is evicted
 * only when no plan reaches the same counts without it, and the least important goes
 * first. Instances of a rack or two finish well inside the default budget (the 20-persona
 * rack-fire example: about 6,500 nodes, under 0.1 s). When the node budget runs out
 * first (`optimal: false`), the plan is the best found, never worse than the greedy plan
 * the search reaches first: priority order; spares, then repurposable machines with the
 * lowest-priority occupant, best fit; and when an arch runs short of machines, room on
 * hypervisor hosts first, new hosts on the largest machines, then the smallest machine
 * that fits. Same input, same plan: everything is sorted by id before use and the budget
 * counts nodes, not time.
 */
export function planFailover(input: PlannerInput): FailoverPlan {
  const model = buildPlannerModel(input);
  const search = searchPlacements(model);
  const offer = (i: number): Offer => model.offers[i] as Offer;

  const choices = model.lost.map((_, i) => search.choices[i] ?? { kind: 'skip' as const });
  const rooms = new Map<string, FinalRoom>(model.existingHosts.map((h) => [h.machine, { ...h }]));
  const newHosts = new Map<string, NewHost>();
  for (const choice of choices) {
    if (choice.kind !== 'new-host') continue;
    const o = offer(choice.offer);
    const cluster = o.cluster as string;
    newHosts.set(o.machine, {
      machine: o.machine,
      cluster,
      image: model.clusterImages.get(cluster) as string,
      vms: [],
    });
    rooms.set(o.machine, {
      machine: o.machine,
      arch: o.arch,
      freeCores: o.cores - o.overhead.cores,
      freeMemoryGiB: o.memoryGiB - o.overhead.memoryGiB,
    });
  }

  const evictions: Eviction[] = [];
  const taken = new Set<string>();
  const topVmPriority = new Map<string, number>();
  const take = (o: Offer, p: LostPersona): void => {
    taken.add(o.machine);
    if (o.occupant !== undefined)
      evictions.push({
        machine: o.machine,
        occupant: o.occupant.persona,
        occupantPriority: o.occupant.priority,
        for: p.name,
      });
  };
  const asVm = (p: LostPersona, host: string): PlanTarget => {
    const room = rooms.get(host) as FinalRoom;
    rooms.set(host, {
      ...room,
      freeCores: room.freeCores - p.cores,
      freeMemoryGiB: room.freeMemoryGiB - p.memoryGiB,
    });
    newHosts.get(host)?.vms.push(p.name);
    topVmPriority.set(host, Math.min(topVmPriority.get(host) ?? LEVELS, p.priority));
    return { kind: 'vm', host, newHost: newHosts.has(host) };
  };
  const targets = model.lost.map((p, i): PlanTarget | undefined => {
    const choice = choices[i] as Choice;
    if (choice.kind === 'skip') return undefined;
    if (choice.kind === 'vm') return asVm(p, choice.host);
    take(offer(choice.offer), p);
    return choice.kind === 'machine'
      ? { kind: 'machine', machine: offer(choice.offer).machine }
      : asVm(p, offer(choice.offer).machine);
  });

  const finalRooms: FinalRoom[] = [...rooms.values()].sort((a, b) =>
    compareIds(a.machine, b.machine),
  );
  const context = {
    model,
    offers: new Map(model.offers.map((o) => [o.machine, o])),
    sparesOnly: input.options.sparesOnly,
    taken,
    rooms: finalRooms,
  };
  const restorations: Restoration[] = model.lost.map((p, i) => {
    const t = targets[i];
    const base = { persona: p.name, priority: p.priority, from: p.from };
    return t === undefined
      ? { ...base, outcome: 'not-restored', ...unrestoredReason(p, context) }
      : { ...base, outcome: 'restored', target: t };
  });

  const groups: PriorityGroup[] = [];
  for (let priority = 1; priority <= LEVELS; priority++) {
    const personas = restorations
      .filter((r) => r.outcome === 'restored' && r.priority === priority)
      .map((r) => r.persona);
    if (personas.length === 0) continue;
    const hypervisorHosts = [...newHosts.keys()]
      .filter((h) => topVmPriority.get(h) === priority)
      .sort(compareIds);
    groups.push({ priority, hypervisorHosts, personas });
  }
  const tally = Array.from({ length: LEVELS }, (_, i) => ({
    priority: i + 1,
    lost: restorations.filter((r) => r.priority === i + 1).length,
    restored: restorations.filter((r) => r.priority === i + 1 && r.outcome === 'restored').length,
    evicted: evictions.filter((e) => e.occupantPriority === i + 1).length,
  }));

  return {
    failedMachines: [...model.failedMachines],
    restorations,
    hypervisorHosts: [...newHosts.values()].sort((a, b) => compareIds(a.machine, b.machine)),
    evictions: evictions.sort((a, b) => compareIds(a.machine, b.machine)),
    groups,
    tally,
    search: { nodes: search.nodes, optimal: search.complete },
  };
}
