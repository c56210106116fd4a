import { archSchema, type Arch } from '../../inventory/topology-schema';
import type { LostPersona, Offer } from './planner-model';

export const LEVELS = 5;
const ARCHES: readonly Arch[] = archSchema.options;
const A = ARCHES.length;
/** Occupant classes of an offer: 0 free, 1…5 the priority of the occupant taking it would evict. */
const CLASSES = LEVELS + 1;
const archIndex = (arch: Arch): number => ARCHES.indexOf(arch);

type BoundPersona = Pick<LostPersona, 'priority' | 'arch' | 'cores' | 'memoryGiB' | 'vmAllowed'>;
type BoundOffer = Pick<Offer, 'arch' | 'cores' | 'memoryGiB'> & {
  readonly occupant?: { readonly priority: number };
};

/** Largest k <= max such that ok(k); ok must hold at 0 and be monotone (true, then false). */
function largest(max: number, ok: (k: number) => boolean): number {
  let lo = 0;
  let hi = max;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (ok(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function prefixSums(values: readonly number[]): number[] {
  const sums = [0];
  for (const v of [...values].sort((a, b) => a - b)) sums.push((sums[sums.length - 1] ?? 0) + v);
  return sums;
}

const at = (sums: readonly number[] | undefined, k: number): number =>
  sums?.[Math.max(0, k)] ?? Infinity;

/** What upperBound has found so far for the levels above the one it bounds, [level - 1]. */
interface Above {
  readonly d: number;
  readonly top: number;
  /** [level - 1][arch]: bound on restorations. */
  readonly restored: number[][];
  readonly restoredSum: number[];
  /** Bound on restorations minus evictions. */
  readonly netSum: number[];
  /** The net bound counts only restorations, so a plan meeting it evicts nobody at that level. */
  readonly evictionFree: boolean[];
}

/** The personas of one level and arch, summarized for the bound. */
interface Group {
  /**
   * What k of them consume at least (a machine-only persona: the smallest offer it fits), prefix
   * sums.
   */
  readonly cores: number[];
  readonly memory: number[];
  /** Requirements of those that may run as VMs, prefix sums. */
  readonly vmCores: number[];
  readonly vmMemory: number[];
}

/**
 * An upper bound on what the personas still to decide can add, per priority level, for
 * the branch-and-bound search to prune with. It is valid for the lexicographic order the
 * search compares by: every completion is at most the bound, level 1 first.
 *
 * Per arch it tracks the free offers by occupant class, their cores, memory and count,
 * and the free room on open hypervisor hosts. For target level t it assumes the levels
 * above t reach their own bound exactly (any completion that does not is already below
 * the bound there), which yields:
 * - those levels consumed at least their k smallest sizes, a machine-only persona
 *   counting as the smallest offer it fits, since it takes a whole machine;
 * - they took at least one machine per machine-only persona, plus enough machines to
 *   hold their VM-capable ones beyond the open host room;
 * - they evicted nobody at a level whose bound counts only restorations, so those
 *   occupants' machines are out of reach;
 * - at level t, evicting an occupant of priority t frees one machine and costs one, so
 *   machine-only personas restored there, net, cannot exceed the machines free to level t.
 * Level t then gets at most as many personas as fit, smallest first, in what is left.
 */
export class CapacityBound {
  private readonly classCores = new Array<number>(A * CLASSES).fill(0);
  private readonly classMemory = new Array<number>(A * CLASSES).fill(0);
  private readonly classCount = new Array<number>(A * CLASSES).fill(0);
  private readonly roomCores = new Array<number>(A).fill(0);
  private readonly roomMemory = new Array<number>(A).fill(0);
  private readonly maxCores = new Array<number>(A).fill(0);
  private readonly maxMemory = new Array<number>(A).fill(0);
  /** [level - 1][arch]. */
  private readonly groups: Group[][] = [];
  private readonly levelCount: number[][] = [];
  private readonly levelVm: number[][] = [];
  /** [depth * arches + arch]: personas left at the depth's own level, itself included. */
  private readonly suffixCount: Int32Array;
  private readonly suffixVm: Int32Array;

  constructor(
    private readonly order: readonly BoundPersona[],
    offers: readonly BoundOffer[],
  ) {
    for (const o of offers) {
      const a = archIndex(o.arch);
      this.maxCores[a] = Math.max(this.maxCores[a] ?? 0, o.cores);
      this.maxMemory[a] = Math.max(this.maxMemory[a] ?? 0, o.memoryGiB);
    }
    const wholeMachine = (p: BoundPersona, key: 'cores' | 'memoryGiB'): number => {
      if (p.vmAllowed) return p[key];
      const fits = offers.filter(
        (o) => o.arch === p.arch && o.cores >= p.cores && o.memoryGiB >= p.memoryGiB,
      );
      return fits.reduce(
        (least, o) => Math.min(least, o[key]),
        fits.length > 0 ? Infinity : p[key],
      );
    };
    for (let level = 1; level <= LEVELS; level++) {
      const byArch = ARCHES.map((arch) =>
        order.filter((p) => p.priority === level && p.arch === arch),
      );
      this.groups.push(
        byArch.map((ps) => {
          const vms = ps.filter((p) => p.vmAllowed);
          return {
            cores: prefixSums(ps.map((p) => wholeMachine(p, 'cores'))),
            memory: prefixSums(ps.map((p) => wholeMachine(p, 'memoryGiB'))),
            vmCores: prefixSums(vms.map((p) => p.cores)),
            vmMemory: prefixSums(vms.map((p) => p.memoryGiB)),
          };
        }),
      );
      this.levelCount.push(byArch.map((ps) => ps.length));
      this.levelVm.push(byArch.map((ps) => ps.filter((p) => p.vmAllowed).length));
    }
    this.suffixCount = new Int32Array((order.length + 1) * A);
    this.suffixVm = new Int32Array((order.length + 1) * A);
    for (let d = order.length - 1; d >= 0; d--) {
      const p = order[d] as BoundPersona;
      const sameLevelNext = order[d + 1]?.priority === p.priority;
      for (let a = 0; a < A; a++) {
        const mine = archIndex(p.arch) === a ? 1 : 0;
        this.suffixCount[d * A + a] =
          (sameLevelNext ? (this.suffixCount[(d + 1) * A + a] ?? 0) : 0) + mine;
        this.suffixVm[d * A + a] =
          (sameLevelNext ? (this.suffixVm[(d + 1) * A + a] ?? 0) : 0) +
          (mine && p.vmAllowed ? 1 : 0);
      }
    }
  }

  /** sign +1 when an offer becomes free to take, -1 when it is taken. */
  offer(o: BoundOffer, sign: 1 | -1): void {
    const i = archIndex(o.arch) * CLASSES + (o.occupant?.priority ?? 0);
    this.classCores[i] = (this.classCores[i] ?? 0) + sign * o.cores;
    this.classMemory[i] = (this.classMemory[i] ?? 0) + sign * o.memoryGiB;
    this.classCount[i] = (this.classCount[i] ?? 0) + sign;
  }

  /** Adds (or, negative, removes) free room on a hypervisor host. */
  room(arch: Arch, cores: number, memoryGiB: number): void {
    const a = archIndex(arch);
    this.roomCores[a] = (this.roomCores[a] ?? 0) + cores;
    this.roomMemory[a] = (this.roomMemory[a] ?? 0) + memoryGiB;
  }

  /** Machines needed to hold VM-capable personas of these sizes beyond the open room. */
  private hostsNeeded(a: number, cores: number, memoryGiB: number): number {
    const need = (excess: number, max: number): number =>
      excess <= 0 ? 0 : max <= 0 ? Infinity : Math.ceil(excess / max);
    return Math.max(
      need(cores - (this.roomCores[a] ?? 0), this.maxCores[a] ?? 0),
      need(memoryGiB - (this.roomMemory[a] ?? 0), this.maxMemory[a] ?? 0),
    );
  }

  /** Personas of `level` and arch a still to decide at depth d (`top` is order[d]'s level). */
  private remaining(
    d: number,
    top: number,
    level: number,
    a: number,
  ): { count: number; vm: number } {
    if (level === top)
      return { count: this.suffixCount[d * A + a] ?? 0, vm: this.suffixVm[d * A + a] ?? 0 };
    return { count: this.levelCount[level - 1]?.[a] ?? 0, vm: this.levelVm[level - 1]?.[a] ?? 0 };
  }

  /**
   * Free offers (and host room) of arch a within reach of the levels top…t when those above t meet
   * their bound.
   */
  private reach(
    a: number,
    t: number,
    above: Above,
  ): { cores: number; memory: number; machines: number; freeToT: number; evictableAbove: number } {
    const r = {
      cores: Math.max(0, this.roomCores[a] ?? 0),
      memory: Math.max(0, this.roomMemory[a] ?? 0),
      machines: 0,
      freeToT: 0,
      evictableAbove: 0,
    };
    for (let c = 0; c < CLASSES; c++) {
      if (!(c === 0 || c >= t || (c >= above.top && above.evictionFree[c - 1] === false))) continue;
      const i = a * CLASSES + c;
      const count = this.classCount[i] ?? 0;
      r.cores += this.classCores[i] ?? 0;
      r.memory += this.classMemory[i] ?? 0;
      r.machines += count;
      if (c === 0 || c > t) r.freeToT += count;
      else if (c < t) r.evictableAbove += count;
    }
    return r;
  }

  /** What the levels above t use at least on arch a when they meet their bound. */
  private usedAbove(
    a: number,
    t: number,
    above: Above,
  ): { cores: number; memory: number; machineOnly: number; vmCores: number; vmMemory: number } {
    const used = { cores: 0, memory: 0, machineOnly: 0, vmCores: 0, vmMemory: 0 };
    for (let l = above.top; l < t; l++) {
      const g = this.groups[l - 1]?.[a] as Group;
      const { count, vm } = this.remaining(above.d, above.top, l, a);
      // What level l must restore on this arch for its sum to reach its net bound when the other
      // arches restore their most.
      const r = Math.max(
        0,
        (above.netSum[l - 1] ?? 0) -
          ((above.restoredSum[l - 1] ?? 0) - (above.restored[l - 1]?.[a] ?? 0)),
      );
      used.cores += at(g.cores, r);
      used.memory += at(g.memory, r);
      used.machineOnly += Math.max(0, r - vm);
      used.vmCores += at(g.vmCores, r - (count - vm));
      used.vmMemory += at(g.vmMemory, r - (count - vm));
    }
    return used;
  }

  /** Bounds at level t on arch a: on restorations, and on restorations minus evictions. */
  private levelBound(a: number, t: number, above: Above): { restored: number; net: number } {
    const { count, vm } = this.remaining(above.d, above.top, t, a);
    if (count === 0) return { restored: 0, net: 0 };
    const within = this.reach(a, t, above);
    const used = this.usedAbove(a, t, above);
    const g = this.groups[t - 1]?.[a] as Group;
    const restored = largest(
      count,
      (k) =>
        at(g.cores, k) <= within.cores - used.cores &&
        at(g.memory, k) <= within.memory - used.memory &&
        used.machineOnly +
          Math.max(0, k - vm) +
          this.hostsNeeded(
            a,
            used.vmCores + at(g.vmCores, k - (count - vm)),
            used.vmMemory + at(g.vmMemory, k - (count - vm)),
          ) <=
          within.machines,
    );
    const machinesAbove = used.machineOnly + this.hostsNeeded(a, used.vmCores, used.vmMemory);
    return {
      restored,
      net: Math.min(
        restored,
        vm + Math.max(0, within.freeToT + within.evictableAbove - machinesAbove),
      ),
    };
  }

  /**
   * `net` (restored minus evicted, per level) plus the most the personas from depth d on can add.
   */
  upperBound(d: number, net: readonly number[]): number[] {
    const ub = [...net];
    const top = this.order[d]?.priority;
    if (top === undefined) return ub;
    const above: Above = { d, top, restored: [], restoredSum: [], netSum: [], evictionFree: [] };
    for (let t = top; t <= LEVELS; t++) {
      const bounds = ARCHES.map((_, a) => this.levelBound(a, t, above));
      const restoredSum = bounds.reduce((s, b) => s + b.restored, 0);
      const netSum = bounds.reduce((s, b) => s + b.net, 0);
      above.restored[t - 1] = bounds.map((b) => b.restored);
      above.restoredSum[t - 1] = restoredSum;
      above.netSum[t - 1] = netSum;
      above.evictionFree[t - 1] = restoredSum === netSum;
      ub[t - 1] = (ub[t - 1] ?? 0) + netSum;
    }
    return ub;
  }
}
