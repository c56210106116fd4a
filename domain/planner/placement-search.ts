import type { Arch } from '../../inventory/topology-schema';
import { CapacityBound, LEVELS } from './capacity-bound';
import { compareIds } from './compare-ids';
import { OfferTypes, takingCost, type OfferType } from './offer-types';
import type { LostPersona, Offer, PlannerModel } from './planner-model';

/**
 * What one lost persona gets: a whole offered machine, room on an open host, a new host made of an
 * offer, or nothing.
 */
export type Choice =
  | { readonly kind: 'machine'; readonly offer: number }
  | { readonly kind: 'new-host'; readonly offer: number }
  | { readonly kind: 'vm'; readonly host: string }
  | { readonly kind: 'skip' };

interface SearchResult {
  /** One per entry of `model.lost`, same index. */
  readonly choices: readonly Choice[];
  readonly nodes: number;
  /** The search ran to the end: no plan is better by the objective (see PlacementSearch). */
  readonly complete: boolean;
}

interface Room {
  readonly machine: string;
  readonly arch: Arch;
  freeCores: number;
  freeMemoryGiB: number;
}

interface Frame {
  readonly branches: readonly Choice[];
  next: number;
  applied: Choice | undefined;
}

const SKIP: Choice = { kind: 'skip' };

/** Positive when per-level vector a beats b: more at level 1, then at level 2, and so on. */
function compareLevels(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < LEVELS; i++) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

/**
 * Depth-first branch and bound over the lost personas, highest priority first. Each
 * persona branches on: a whole machine, room on an open hypervisor host, a new host, or
 * not restored.
 *
 * Objective: restored minus evicted personas per priority level, compared level by level
 * from priority 1 (one priority-1 persona outweighs any number of lower ones; evicting a
 * 5 costs less than evicting a 4); on a tie, fewer evictions, then fewer new hosts.
 *
 * Branches come in preference order (spares before repurposable machines, least
 * important occupant first, best fit; see `branches`), so the first plan reached is the
 * greedy one, and a later plan replaces it only when strictly better. Pruning: the
 * CapacityBound; machines of one type are one branch; of two machines of the same
 * eviction class, the larger is not tried when the smaller fits; hosts with the same room
 * left are one branch. None of these cuts can lose a better plan. The budget is a node
 * count, never a clock, so a replay computes the same plan.
 */
class PlacementSearch {
  private readonly order: LostPersona[];
  private readonly orderIndex: number[];
  private readonly offerTypes: OfferTypes;
  /** offer index → its type. */
  private readonly typeOf: number[] = [];
  private readonly rooms = new Map<string, Room>();
  private readonly net: number[] = new Array<number>(LEVELS).fill(0);
  private readonly freeByArch = new Map<Arch, number>();
  /** [depth]: personas of the same arch as order[depth] still to decide, itself included. */
  private readonly remainingSameArch: number[];
  private readonly bound: CapacityBound;
  private readonly current: Choice[] = [];
  private evictions = 0;
  private newHosts = 0;
  private best:
    | { net: number[]; evictions: number; newHosts: number; choices: Choice[] }
    | undefined;
  private nodes = 0;
  private aborted = false;
  private readonly fitsWhole: (t: OfferType, p: LostPersona) => boolean;
  private readonly fitsNewHost: (t: OfferType, p: LostPersona) => boolean;
  private readonly fitsRoom: (r: Room, p: LostPersona) => boolean;

  constructor(private readonly model: PlannerModel) {
    const { offers, existingHosts } = model;
    const fitsRoom = (p: LostPersona, arch: Arch, cores: number, memoryGiB: number): boolean =>
      p.arch === arch && cores >= p.cores && memoryGiB >= p.memoryGiB;
    // An occupant is evicted only for a persona of strictly higher priority.
    const mayEvictFor = (t: OfferType, p: LostPersona): boolean =>
      t.occupantPriority === 0 || t.occupantPriority > p.priority;
    this.fitsWhole = (t, p) => fitsRoom(p, t.arch, t.cores, t.memoryGiB) && mayEvictFor(t, p);
    this.fitsNewHost = (t, p) =>
      t.canHost &&
      p.vmAllowed &&
      fitsRoom(p, t.arch, t.cores - t.overhead.cores, t.memoryGiB - t.overhead.memoryGiB) &&
      mayEvictFor(t, p);
    this.fitsRoom = (r, p) => p.vmAllowed && fitsRoom(p, r.arch, r.freeCores, r.freeMemoryGiB);
    this.offerTypes = new OfferTypes(offers);
    this.offerTypes.types.forEach((t, i) => t.free.forEach((o) => (this.typeOf[o] = i)));
    const types = this.offerTypes.types;

    // A VM may also land on a host opened for someone of higher priority, so the eviction rule does
    // not limit where it could end up.
    const couldHost = (t: OfferType, p: LostPersona): boolean =>
      this.fitsNewHost({ ...t, occupantPriority: 0 }, p);
    const searchable = model.lost
      .map((p, i) => ({ p, i }))
      .filter(
        ({ p }) =>
          !p.leased &&
          (types.some((t) => this.fitsWhole(t, p) || couldHost(t, p)) ||
            existingHosts.some((h) => this.fitsRoom({ ...h }, p))),
      );
    // Within a level, VM-capable personas first: they open hosts on the largest machines and pack,
    // which leaves whole machines to those that need one.
    searchable.sort(
      (x, y) =>
        x.p.priority - y.p.priority ||
        Number(y.p.vmAllowed) - Number(x.p.vmAllowed) ||
        y.p.cores - x.p.cores ||
        y.p.memoryGiB - x.p.memoryGiB ||
        compareIds(x.p.name, y.p.name),
    );
    this.order = searchable.map((s) => s.p);
    this.orderIndex = searchable.map((s) => s.i);
    const seen = new Map<Arch, number>();
    this.remainingSameArch = [...this.order]
      .reverse()
      .map((p) => {
        seen.set(p.arch, (seen.get(p.arch) ?? 0) + 1);
        return seen.get(p.arch) ?? 0;
      })
      .reverse();

    this.bound = new CapacityBound(this.order, offers);
    for (const o of offers) {
      this.bound.offer(o, 1);
      this.freeByArch.set(o.arch, (this.freeByArch.get(o.arch) ?? 0) + 1);
    }
    for (const h of existingHosts) {
      this.rooms.set(h.machine, {
        machine: h.machine,
        arch: h.arch,
        freeCores: h.freeCores,
        freeMemoryGiB: h.freeMemoryGiB,
      });
      this.bound.room(h.arch, Math.max(0, h.freeCores), Math.max(0, h.freeMemoryGiB));
    }
  }

  /**
   * Whole machines for order[d], one per type on the Pareto front of its eviction class:
   * if a smaller machine of the same class fits, the larger one can do anything the plan
   * would have done with the smaller, so taking the smaller is never worse.
   */
  private machineChoices(d: number, short: boolean): Choice[] {
    const p = this.order[d] as LostPersona;
    const kept: OfferType[] = [];
    const choices: Choice[] = [];
    for (const i of short ? this.offerTypes.smallest : this.offerTypes.cheapest) {
      const t = this.offerTypes.types[i] as OfferType;
      const next = t.free[t.free.length - 1];
      if (next === undefined || !this.fitsWhole(t, p)) continue;
      if (
        kept.some(
          (k) =>
            takingCost(k) === takingCost(t) && k.cores <= t.cores && k.memoryGiB <= t.memoryGiB,
        )
      )
        continue;
      kept.push(t);
      choices.push({ kind: 'machine', offer: next });
    }
    return choices;
  }

  /** Machines to turn into a new host for order[d], one per type. */
  private newHostChoices(d: number): Choice[] {
    const p = this.order[d] as LostPersona;
    const choices: Choice[] = [];
    for (const i of this.offerTypes.largest) {
      const t = this.offerTypes.types[i] as OfferType;
      const next = t.free[t.free.length - 1];
      if (next !== undefined && this.fitsNewHost(t, p))
        choices.push({ kind: 'new-host', offer: next });
    }
    return choices;
  }

  /**
   * Open hosts with room for order[d], tightest fit first; hosts with the same room left lead to
   * mirror-image subtrees, so one each.
   */
  private roomChoices(d: number): Choice[] {
    const p = this.order[d] as LostPersona;
    const byRoom = new Map<number, Room>();
    for (const r of this.rooms.values()) {
      if (!this.fitsRoom(r, p)) continue;
      const key = r.freeCores * 1_000_000 + r.freeMemoryGiB;
      const seen = byRoom.get(key);
      if (seen === undefined || compareIds(r.machine, seen.machine) < 0) byRoom.set(key, r);
    }
    return [...byRoom.entries()]
      .sort(([a], [b]) => a - b)
      .map(([, r]) => ({ kind: 'vm', host: r.machine }));
  }

  /**
   * When this arch has fewer free machines than personas still to place, room on a host
   * is tried before a whole machine, and among free machines and priority-5 occupants the
   * smallest first: packing is what restores the most when short, and an eviction at
   * priority 5 costs less than a large machine wasted on a small persona.
   */
  private branches(d: number): Choice[] {
    const p = this.order[d] as LostPersona;
    const short = (this.remainingSameArch[d] ?? 0) > (this.freeByArch.get(p.arch) ?? 0);
    const whole = this.machineChoices(d, short);
    if (!p.vmAllowed) return [...whole, SKIP];
    const rooms = this.roomChoices(d);
    const hosts = this.newHostChoices(d);
    if (short) return [...rooms, ...hosts, ...whole, SKIP];
    // A VM whose host died restarts on another host's room first, as an HA cluster restarts it:
    // among plans that restore as much, the first one found is kept.
    return p.from.kind === 'vm'
      ? [...rooms, ...whole, ...hosts, SKIP]
      : [...whole, ...rooms, ...hosts, SKIP];
  }

  private apply(d: number, choice: Choice, sign: 1 | -1): void {
    const p = this.order[d] as LostPersona;
    if (choice.kind === 'skip') return;
    this.net[p.priority - 1] = (this.net[p.priority - 1] ?? 0) + sign;
    if (choice.kind === 'vm') {
      const room = this.rooms.get(choice.host) as Room;
      room.freeCores -= sign * p.cores;
      room.freeMemoryGiB -= sign * p.memoryGiB;
      this.bound.room(room.arch, -sign * p.cores, -sign * p.memoryGiB);
      return;
    }
    const o = this.model.offers[choice.offer] as Offer;
    const type = this.offerTypes.types[this.typeOf[choice.offer] as number] as OfferType;
    // Choices always name a type's next free offer, and the search undoes in reverse, so the stack
    // stays in id order.
    if (sign === 1) type.free.pop();
    else type.free.push(choice.offer);
    this.bound.offer(o, sign === 1 ? -1 : 1);
    this.freeByArch.set(o.arch, (this.freeByArch.get(o.arch) ?? 0) - sign);
    if (o.occupant !== undefined) {
      this.net[o.occupant.priority - 1] = (this.net[o.occupant.priority - 1] ?? 0) - sign;
      this.evictions += sign;
    }
    if (choice.kind === 'new-host') {
      this.newHosts += sign;
      const cores = o.cores - o.overhead.cores - p.cores;
      const memoryGiB = o.memoryGiB - o.overhead.memoryGiB - p.memoryGiB;
      if (sign === 1)
        this.rooms.set(o.machine, {
          machine: o.machine,
          arch: o.arch,
          freeCores: cores,
          freeMemoryGiB: memoryGiB,
        });
      else this.rooms.delete(o.machine);
      this.bound.room(o.arch, sign * cores, sign * memoryGiB);
    }
  }

  /**
   * Fewer evictions, then fewer new hosts: both only grow down the tree, so a node already not
   * fewer cannot lead to fewer.
   */
  private fewerThanBest(): boolean {
    const best = this.best;
    return (
      best === undefined ||
      this.evictions < best.evictions ||
      (this.evictions === best.evictions && this.newHosts < best.newHosts)
    );
  }

  /**
   * Entered a node at depth d (a leaf when d is past the last persona); false when it is pruned or
   * a leaf.
   */
  private enter(d: number): boolean {
    this.nodes += 1;
    if (d === this.order.length) {
      const byLevels = this.best === undefined ? 1 : compareLevels(this.net, this.best.net);
      if (byLevels > 0 || (byLevels === 0 && this.fewerThanBest())) {
        this.best = {
          net: [...this.net],
          evictions: this.evictions,
          newHosts: this.newHosts,
          choices: [...this.current],
        };
      }
      return false;
    }
    if (this.best === undefined) return true;
    const byLevels = compareLevels(this.bound.upperBound(d, this.net), this.best.net);
    return byLevels > 0 || (byLevels === 0 && this.fewerThanBest());
  }

  run(): SearchResult {
    const stack: Frame[] = [];
    if (this.enter(0)) stack.push({ branches: this.branches(0), next: 0, applied: undefined });
    while (stack.length > 0) {
      const d = stack.length - 1;
      const frame = stack[d] as Frame;
      if (frame.applied !== undefined) this.apply(d, frame.applied, -1);
      frame.applied = undefined;
      const choice = frame.branches[frame.next];
      // The budget only stops the search once a full plan exists: the first dive always completes.
      if (
        choice === undefined ||
        (this.best !== undefined && this.nodes >= this.model.searchNodes)
      ) {
        this.aborted ||= choice !== undefined;
        stack.pop();
        continue;
      }
      frame.next += 1;
      this.apply(d, choice, 1);
      frame.applied = choice;
      this.current[d] = choice;
      if (this.enter(d + 1))
        stack.push({ branches: this.branches(d + 1), next: 0, applied: undefined });
    }
    const choices: Choice[] = this.model.lost.map(() => SKIP);
    this.best?.choices.forEach((c, d) => {
      choices[this.orderIndex[d] as number] = c;
    });
    return { choices, nodes: this.nodes, complete: !this.aborted };
  }
}

export function searchPlacements(model: PlannerModel): SearchResult {
  return new PlacementSearch(model).run();
}
