import type { Topology } from '../inventory/topology-schema';
import type { FailoverPlan } from '../domain/planner/failover-plan';
import type { GateKey } from '../workflows/site-failover/concurrency-gate';
import type { FailoverLimits } from '../domain/failover/failover-scope';
import { moveKeys } from '../workflows/site-failover/move-footprint';
import type { LatencyProfile } from './latency-profiles';

/**
 * Array commands per mask change: read the ACL, change it, read it back (the driver's safety
 * loop, bench/lun-masking.bench.ts).
 */
export const ARRAY_COMMANDS_PER_MASK = 3;

/** One unit of work of a failover plan, with what it holds and how long its hardware takes. */
export interface PlannedMove {
  readonly id: string;
  readonly kind: 'host' | 'machine' | 'vm';
  readonly keys: readonly GateKey[];
  readonly ms: number;
  /** A VM waits for this new host to be up before it asks for its keys. */
  readonly after?: string;
}

export interface CriticalPath {
  /** From the first move's start to the last one's end: the shortest run the plan allows. */
  readonly totalMs: number;
  /** Per priority group, when its last move ends (from the start): the group's best RTO. */
  readonly groups: { priority: number; endMs: number }[];
  /** The single longest move, a floor under any group. */
  readonly longestMoveMs: number;
  /** When each move starts and ends (from the start), to set beside a run's own timeline. */
  readonly moves: { id: string; startMs: number; endMs: number }[];
}

/**
 * Hardware time of each kind of move under a profile, from the steps the runbooks take (see
 * docs/benchmarks.md): a machine move fences the lost source's LUNs, evicts a low-priority
 * occupant when it must (soft-off, shutdown, power-off), commits its ports' VLANs, masks the
 * LUNs, powers on, runs POST and boots; a new hypervisor host commits its trunks, masks the
 * datastores, powers on and boots; a VM fences, trunks the VLAN to its host, masks and starts.
 */
export function moveMs(
  kind: PlannedMove['kind'],
  profile: LatencyProfile,
  luns: number,
  evicts: boolean,
): number {
  const mask = ARRAY_COMMANDS_PER_MASK * profile.arrayCommandMs;
  const boot = profile.powerDelayMs + profile.postMs + profile.osBootMs;
  if (kind === 'host') return profile.switchCommitMs + mask + boot;
  const fence = luns * mask;
  if (kind === 'vm') return fence + profile.switchCommitMs + luns * mask + profile.vmBootMs;
  const evict = evicts ? profile.shutdownMs + profile.powerDelayMs : 0;
  return fence + evict + profile.switchCommitMs + luns * mask + boot;
}

/** The moves of a plan's groups, in the order the failover asks for them. */
export function plannedMoves(
  plan: FailoverPlan,
  topology: Topology,
  limits: FailoverLimits,
  profile: LatencyProfile,
): { priority: number; moves: PlannedMove[] }[] {
  const luns = new Map(topology.personas.map((p) => [p.name, p.luns.length]));
  const evicting = new Set(plan.evictions.map((e) => e.machine));
  const started = new Set<string>();
  const byPersona = new Map(plan.restorations.map((r) => [r.persona, r]));
  const newHosts = new Set(plan.hypervisorHosts.map((h) => h.machine));
  return plan.groups.map((group) => {
    const moves: PlannedMove[] = [];
    for (const machine of group.hypervisorHosts) {
      if (started.has(machine)) continue;
      started.add(machine);
      moves.push({
        id: `host:${machine}`,
        kind: 'host',
        keys: moveKeys(topology, { machine }, limits),
        ms: moveMs('host', profile, 0, evicting.has(machine)),
      });
    }
    for (const persona of group.personas) {
      const r = byPersona.get(persona);
      if (r === undefined || r.outcome !== 'restored') continue;
      const n = luns.get(persona) ?? 0;
      if (r.target.kind === 'machine') {
        moves.push({
          id: persona,
          kind: 'machine',
          keys: moveKeys(topology, { machine: r.target.machine, persona }, limits),
          ms: moveMs('machine', profile, n, evicting.has(r.target.machine)),
        });
      } else {
        moves.push({
          id: persona,
          kind: 'vm',
          keys: moveKeys(topology, { host: r.target.host, persona }, limits),
          ms: moveMs('vm', profile, n, false),
          ...(newHosts.has(r.target.host) && { after: `host:${r.target.host}` }),
        });
      }
    }
    return { priority: group.priority, moves };
  });
}

/**
 * The shortest time the plan takes when rackshift costs nothing: groups run in order, inside a
 * group every move asks for its keys at once (a VM once its new host is up) and is admitted in
 * the order it asked whenever its keys have room (the failover's ConcurrencyGate), and each move
 * takes exactly its hardware time. A discrete-event simulation, so a wall time divided by it says
 * what rackshift adds.
 */
export function criticalPath(groups: { priority: number; moves: PlannedMove[] }[]): CriticalPath {
  let now = 0;
  const done = new Set<string>();
  const result: { priority: number; endMs: number }[] = [];
  let longest = 0;
  const timeline: CriticalPath['moves'] = [];
  for (const group of groups) {
    const inUse = new Map<string, number>();
    const waiting: PlannedMove[] = group.moves.filter(
      (m) => m.after === undefined || done.has(m.after),
    );
    const blocked = group.moves.filter((m) => m.after !== undefined && !done.has(m.after));
    const running: { move: PlannedMove; end: number }[] = [];
    const admit = (): void => {
      for (let i = 0; i < waiting.length; ) {
        const move = waiting[i]!;
        if (move.keys.every((k) => (inUse.get(k.key) ?? 0) < k.limit)) {
          for (const k of move.keys) inUse.set(k.key, (inUse.get(k.key) ?? 0) + 1);
          running.push({ move, end: now + move.ms });
          timeline.push({ id: move.id, startMs: now, endMs: now + move.ms });
          longest = Math.max(longest, move.ms);
          waiting.splice(i, 1);
        } else i += 1;
      }
    };
    admit();
    while (running.length > 0) {
      running.sort((a, b) => a.end - b.end);
      const { move, end } = running.shift()!;
      now = end;
      done.add(move.id);
      for (const k of move.keys) inUse.set(k.key, (inUse.get(k.key) ?? 1) - 1);
      for (let i = 0; i < blocked.length; ) {
        if (blocked[i]!.after === move.id) waiting.push(...blocked.splice(i, 1));
        else i += 1;
      }
      admit();
    }
    if (waiting.length > 0 || blocked.length > 0)
      throw new Error(
        `group ${group.priority}: a move can never be admitted (a key's limit is 0?)`,
      );
    result.push({ priority: group.priority, endMs: now });
  }
  return { totalMs: now, groups: result, longestMoveMs: longest, moves: timeline };
}
