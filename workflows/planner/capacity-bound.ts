import { archSchema, type Arch } from '../../inventory/topology-schema';

export const LEVELS = 5;
const ARCHES: readonly Arch[] = archSchema.options;
const A = ARCHES.length;
/** Occupant classes of an offer: 0 free, 1…5 the priority of the occupant taking it would evict. */
const CLASSES = LEVELS + 1;
const archIndex = (arch: Arch): number => ARCHES.indexOf(arch);

export interface BoundPersona {
  readonly priority: number;
  readonly arch: Arch;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly vmAllowed: boolean;
}

export interface BoundOffer {
  readonly arch: Arch;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly occupant?: { readonly priority: number };
}

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

const at = (sums: readonly number[] | undefined, k: number): number => sums?.[Math.max(0, k)] ?? Infinity;

/** The personas of one level and arch, summarized for the bound. */
interface Group {
  /** What k of them consume at least (a machine-only persona: the smallest offer it fits), prefix sums. */
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
      const fits = offers.filter((o) => o.arch === p.arch && o.cores >= p.cores && o.memoryGiB >= p.memoryGiB);
      return fits.reduce((least, o) => Math.min(least, o[key]), fits.length > 0 ? Infinity : p[key]);
    };
    for (let level = 1; level <= LEVELS; level++) {
      const byArch = ARCHES.map((arch) => order.filter((p) => p.priority === level && p.arch === arch));
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
        this.suffixCount[d * A + a] = (sameLevelNext ? (this.suffixCount[(d + 1) * A + a] ?? 0) : 0) + mine;
        this.suffixVm[d * A + a] = (sameLevelNext ? (this.suffixVm[(d + 1) * A + a] ?? 0) : 0) + (mine && p.vmAllowed ? 1 : 0);
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
    const need = (excess: number, max: number): number => (excess <= 0 ? 0 : max <= 0 ? Infinity : Math.ceil(excess / max));
    return Math.max(need(cores - (this.roomCores[a] ?? 0), this.maxCores[a] ?? 0), need(memoryGiB - (this.roomMemory[a] ?? 0), this.maxMemory[a] ?? 0));
  }

  /** `net` (restored minus evicted, per level) plus the most the personas from depth d on can add. */
  upperBound(d: number, net: readonly number[]): number[] {
    const ub = [...net];
    const top = this.order[d]?.priority;
    if (top === undefined) return ub;
    /** [level - 1][arch]: bound on restorations, and on restorations minus evictions. */
    const restoredBound: number[][] = [];
    const netBound: number[][] = [];
    const evictionFree: boolean[] = [];
    for (let t = top; t <= LEVELS; t++) {
      const kr: number[] = [];
      const kn: number[] = [];
      for (let a = 0; a < A; a++) {
        const count = t === top ? (this.suffixCount[d * A + a] ?? 0) : (this.levelCount[t - 1]?.[a] ?? 0);
        const vm = t === top ? (this.suffixVm[d * A + a] ?? 0) : (this.levelVm[t - 1]?.[a] ?? 0);
        if (count === 0) {
          kr.push(0);
          kn.push(0);
          continue;
        }
        // Offers within reach of levels top…t when those above t meet their bound.
        let cores = 0;
        let memory = 0;
        let machines = 0;
        let freeToT = 0;
        let evictableAbove = 0;
        for (let c = 0; c < CLASSES; c++) {
          const reach = c === 0 || c >= t || (c >= top && evictionFree[c - 1] === false);
          if (!reach) continue;
          const i = a * CLASSES + c;
          cores += this.classCores[i] ?? 0;
          memory += this.classMemory[i] ?? 0;
          machines += this.classCount[i] ?? 0;
          if (c === 0 || c > t) freeToT += this.classCount[i] ?? 0;
          else if (c < t) evictableAbove += this.classCount[i] ?? 0;
        }
        cores += Math.max(0, this.roomCores[a] ?? 0);
        memory += Math.max(0, this.roomMemory[a] ?? 0);
        // What the levels above t consumed at least.
        let usedCores = 0;
        let usedMemory = 0;
        let machineOnly = 0;
        let vmCores = 0;
        let vmMemory = 0;
        for (let l = top; l < t; l++) {
          const g = this.groups[l - 1]?.[a] as Group;
          const lCount = l === top ? (this.suffixCount[d * A + a] ?? 0) : (this.levelCount[l - 1]?.[a] ?? 0);
          const lVm = l === top ? (this.suffixVm[d * A + a] ?? 0) : (this.levelVm[l - 1]?.[a] ?? 0);
          const others = (restoredBound[l - 1] ?? []).reduce((s, k, b) => (b === a ? s : s + k), 0);
          const r = Math.max(0, (netBound[l - 1] ?? []).reduce((s, k) => s + k, 0) - others);
          usedCores += at(g.cores, r);
          usedMemory += at(g.memory, r);
          machineOnly += Math.max(0, r - lVm);
          vmCores += at(g.vmCores, r - (lCount - lVm));
          vmMemory += at(g.vmMemory, r - (lCount - lVm));
        }
        const machinesAbove = machineOnly + this.hostsNeeded(a, vmCores, vmMemory);
        const g = this.groups[t - 1]?.[a] as Group;
        const restored = largest(
          count,
          (k) =>
            at(g.cores, k) <= cores - usedCores &&
            at(g.memory, k) <= memory - usedMemory &&
            machineOnly + Math.max(0, k - vm) + this.hostsNeeded(a, vmCores + at(g.vmCores, k - (count - vm)), vmMemory + at(g.vmMemory, k - (count - vm))) <= machines,
        );
        kr.push(restored);
        kn.push(Math.min(restored, vm + Math.max(0, freeToT + evictableAbove - machinesAbove)));
      }
      const sumR = kr.reduce((s, k) => s + k, 0);
      const sumN = kn.reduce((s, k) => s + k, 0);
      restoredBound[t - 1] = kr;
      netBound[t - 1] = kn;
      evictionFree[t - 1] = sumR === sumN;
      ub[t - 1] = (ub[t - 1] ?? 0) + sumN;
    }
    return ub;
  }
}
