import type { Arch } from '../../inventory/topology-schema';
import { CapacityBound, LEVELS } from './capacity-bound';
import { compareIds } from './compare-ids';
import type { LostPersona, Offer, PlannerModel } from './planner-model';

/** What one lost persona gets: a whole offered machine, room on an open host, a new host made of an offer, or nothing. */
export type Choice =
  | { readonly kind: 'machine'; readonly offer: number }
  | { readonly kind: 'new-host'; readonly offer: number }
  | { readonly kind: 'vm'; readonly host: string }
  | { readonly kind: 'skip' };

export interface SearchResult {
  /** One per entry of `model.lost`, same index. */
  readonly choices: readonly Choice[];
  readonly nodes: number;
  /** The search ran to the end: no plan restores more by the lexicographic measure. */
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
export function compareLevels(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < LEVELS; i++) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

const mayEvictFor = (o: Offer, p: LostPersona): boolean => o.occupant === undefined || o.occupant.priority > p.priority;
const signature = (o: Offer): string => `${o.arch}/${o.cores}/${o.memoryGiB}/${o.pool}/${o.occupant?.priority ?? 0}`;
/** Cheapest to take first: free before occupied, spare before repurposable, the least important occupant (5) first. */
const takingCost = (o: Offer): number[] => [o.occupant === undefined ? 0 : 1, o.pool === 'spare' ? 0 : 1, -(o.occupant?.priority ?? 0)];

function compareBy(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

/**
 * Depth-first branch and bound over the lost personas, highest priority first. Each
 * persona branches on: a whole machine, room on an open hypervisor host, a new host, or
 * not restored. The objective, compared level by level from priority 1, is restored minus
 * evicted personas per priority level, so one priority-1 persona outweighs any number of
 * lower ones, and evicting a 5 costs less than evicting a 4. Branches come in preference
 * order (spares before repurposable machines, least important occupant first, best fit),
 * so the first plan reached is the greedy one and later plans replace it only when
 * strictly better; identical machines and identical host rooms are tried once per node.
 * The budget is a node count, never a clock, so a replay computes the same plan.
 */
class PlacementSearch {
  private readonly order: LostPersona[];
  private readonly orderIndex: number[];
  private readonly physicalOrder: number[];
  private readonly hostOrder: number[];
  private readonly taken: Uint8Array;
  private readonly rooms = new Map<string, Room>();
  private readonly net: number[] = new Array<number>(LEVELS).fill(0);
  private readonly freeByArch = new Map<Arch, number>();
  /** [depth]: personas of the same arch as order[depth] still to decide, itself included. */
  private readonly remainingSameArch: number[];
  private readonly bound: CapacityBound;
  private readonly current: Choice[] = [];
  private best: { net: number[]; choices: Choice[] } | undefined;
  private nodes = 0;
  private aborted = false;
  private readonly fitsWhole: (o: Offer, p: LostPersona) => boolean;
  private readonly fitsNewHost: (o: Offer, p: LostPersona) => boolean;
  private readonly fitsRoom: (r: Room, p: LostPersona) => boolean;

  constructor(private readonly model: PlannerModel) {
    const { offers, existingHosts, overhead, hypervisorImage } = model;
    const fitsRoom = (p: LostPersona, arch: Arch, cores: number, memoryGiB: number): boolean => p.arch === arch && cores >= p.cores && memoryGiB >= p.memoryGiB;
    this.fitsWhole = (o, p) => fitsRoom(p, o.arch, o.cores, o.memoryGiB) && mayEvictFor(o, p);
    this.fitsNewHost = (o, p) => p.vmAllowed && hypervisorImage !== undefined && fitsRoom(p, o.arch, o.cores - overhead.cores, o.memoryGiB - overhead.memoryGiB) && mayEvictFor(o, p);
    this.fitsRoom = (r, p) => p.vmAllowed && fitsRoom(p, r.arch, r.freeCores, r.freeMemoryGiB);

    const searchable = model.lost
      .map((p, i) => ({ p, i }))
      .filter(({ p }) => !p.leased && (offers.some((o) => this.fitsWhole(o, p) || this.fitsNewHost(o, p)) || existingHosts.some((h) => this.fitsRoom({ ...h }, p))));
    searchable.sort(
      (x, y) =>
        x.p.priority - y.p.priority ||
        Number(x.p.vmAllowed) - Number(y.p.vmAllowed) ||
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

    const indices = offers.map((_, i) => i);
    const byId = (a: number, b: number): number => compareIds(offers[a]?.machine ?? '', offers[b]?.machine ?? '');
    const size = (i: number): number[] => [offers[i]?.cores ?? 0, offers[i]?.memoryGiB ?? 0];
    const cost = (i: number): number[] => takingCost(offers[i] as Offer);
    this.physicalOrder = [...indices].sort((a, b) => compareBy(cost(a), cost(b)) || compareBy(size(a), size(b)) || byId(a, b));
    this.hostOrder = [...indices].sort((a, b) => compareBy(cost(a), cost(b)) || compareBy(size(b), size(a)) || byId(a, b));
    this.taken = new Uint8Array(offers.length);

    this.bound = new CapacityBound(this.order, offers);
    for (const o of offers) {
      this.bound.offer(o, 1);
      this.freeByArch.set(o.arch, (this.freeByArch.get(o.arch) ?? 0) + 1);
    }
    for (const h of existingHosts) {
      this.rooms.set(h.machine, { machine: h.machine, arch: h.arch, freeCores: h.freeCores, freeMemoryGiB: h.freeMemoryGiB });
      this.bound.room(h.arch, Math.max(0, h.freeCores), Math.max(0, h.freeMemoryGiB));
    }
  }

  /**
   * Whole machines for order[d], one per occupant class and size on the Pareto front: if
   * a smaller machine of the same class fits, the larger one can do anything the plan
   * would have done with the smaller, so taking the smaller is never worse.
   */
  private machineChoices(d: number): Choice[] {
    const p = this.order[d] as LostPersona;
    const kept: Offer[] = [];
    const choices: Choice[] = [];
    for (const i of this.physicalOrder) {
      const o = this.model.offers[i] as Offer;
      if (this.taken[i] !== 0 || !this.fitsWhole(o, p)) continue;
      const sameClass = (k: Offer): boolean => compareBy(takingCost(k), takingCost(o)) === 0;
      if (kept.some((k) => sameClass(k) && k.cores <= o.cores && k.memoryGiB <= o.memoryGiB)) continue;
      kept.push(o);
      choices.push({ kind: 'machine', offer: i });
    }
    return choices;
  }

  /** Machines to turn into a new host for order[d]; identical ones are tried once. */
  private newHostChoices(d: number): Choice[] {
    const p = this.order[d] as LostPersona;
    const choices: Choice[] = [];
    let last = '';
    for (const i of this.hostOrder) {
      const o = this.model.offers[i] as Offer;
      if (this.taken[i] !== 0 || !this.fitsNewHost(o, p)) continue;
      // Same-signature offers sit next to each other in this order; either leads to mirror-image subtrees.
      const sig = signature(o);
      if (sig === last) continue;
      last = sig;
      choices.push({ kind: 'new-host', offer: i });
    }
    return choices;
  }

  private roomChoices(d: number): Choice[] {
    const p = this.order[d] as LostPersona;
    const fitting = [...this.rooms.values()].filter((r) => this.fitsRoom(r, p));
    fitting.sort((a, b) => a.freeCores - b.freeCores || a.freeMemoryGiB - b.freeMemoryGiB || compareIds(a.machine, b.machine));
    const choices: Choice[] = [];
    let last = '';
    for (const r of fitting) {
      const key = `${r.freeCores}/${r.freeMemoryGiB}`;
      if (key === last) continue;
      last = key;
      choices.push({ kind: 'vm', host: r.machine });
    }
    return choices;
  }

  /**
   * When this arch has fewer free machines than personas still to place, room on a host
   * is tried before a whole machine: packing is what restores the most when short.
   */
  private branches(d: number): Choice[] {
    const p = this.order[d] as LostPersona;
    const whole = this.machineChoices(d);
    if (!p.vmAllowed) return [...whole, SKIP];
    const rooms = this.roomChoices(d);
    const hosts = this.newHostChoices(d);
    const short = (this.remainingSameArch[d] ?? 0) > (this.freeByArch.get(p.arch) ?? 0);
    return short ? [...rooms, ...hosts, ...whole, SKIP] : [...whole, ...rooms, ...hosts, SKIP];
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
    this.taken[choice.offer] = sign === 1 ? 1 : 0;
    this.bound.offer(o, sign === 1 ? -1 : 1);
    this.freeByArch.set(o.arch, (this.freeByArch.get(o.arch) ?? 0) - sign);
    if (o.occupant !== undefined) this.net[o.occupant.priority - 1] = (this.net[o.occupant.priority - 1] ?? 0) - sign;
    if (choice.kind === 'new-host') {
      const cores = o.cores - this.model.overhead.cores - p.cores;
      const memoryGiB = o.memoryGiB - this.model.overhead.memoryGiB - p.memoryGiB;
      if (sign === 1) this.rooms.set(o.machine, { machine: o.machine, arch: o.arch, freeCores: cores, freeMemoryGiB: memoryGiB });
      else this.rooms.delete(o.machine);
      this.bound.room(o.arch, sign * cores, sign * memoryGiB);
    }
  }

  /** Entered a node at depth d (a leaf when d is past the last persona); false when it is pruned or a leaf. */
  private enter(d: number): boolean {
    this.nodes += 1;
    if (d === this.order.length) {
      if (this.best === undefined || compareLevels(this.net, this.best.net) > 0) this.best = { net: [...this.net], choices: [...this.current] };
      return false;
    }
    return this.best === undefined || compareLevels(this.bound.upperBound(d, this.net), this.best.net) > 0;
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
      if (choice === undefined || (this.best !== undefined && this.nodes >= this.model.searchNodes)) {
        this.aborted ||= choice !== undefined;
        stack.pop();
        continue;
      }
      frame.next += 1;
      this.apply(d, choice, 1);
      frame.applied = choice;
      this.current[d] = choice;
      if (this.enter(d + 1)) stack.push({ branches: this.branches(d + 1), next: 0, applied: undefined });
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
