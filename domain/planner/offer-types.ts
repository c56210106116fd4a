import type { Arch } from '../../inventory/topology-schema';
import { compareIds } from './compare-ids';
import type { Offer } from './planner-model';

/**
 * Offers no plan can tell apart: same arch, cores, memory, pool, occupant priority, and cluster
 * to join as a host (with its overhead).
 * The search branches per type, not per machine, so a hundred identical servers cost
 * one branch, and always takes the free one with the lowest id, so the plan names the
 * same machine on every run.
 */
export interface OfferType {
  readonly arch: Arch;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly pool: 'spare' | 'repurposable';
  /** 0 when taking it evicts nobody. */
  readonly occupantPriority: number;
  /** May become a new hypervisor host (see Offer.canHost), keeping `overhead` for itself. */
  readonly canHost: boolean;
  readonly overhead: { readonly cores: number; readonly memoryGiB: number };
  /**
   * Free offers (indices into the model's id-sorted offers), highest first: the last is taken next.
   */
  readonly free: number[];
}

/** Free before occupied, spare before repurposable, the least important occupant (5) first. */
export function takingCost(t: OfferType): number {
  return (
    (t.occupantPriority === 0 ? 0 : 20 - t.occupantPriority * 2) + (t.pool === 'spare' ? 0 : 1)
  );
}

function compareNumbers(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

export class OfferTypes {
  readonly types: OfferType[] = [];
  /**
   * Type orders for whole machines: cheapest to take first; or, when short, free and priority-5
   * first, then smallest.
   */
  readonly cheapest: number[];
  readonly smallest: number[];
  /** Type order for new hosts: cheapest to take, then largest. */
  readonly largest: number[];

  constructor(offers: readonly Offer[]) {
    const byKey = new Map<string, OfferType>();
    for (let i = offers.length - 1; i >= 0; i--) {
      const o = offers[i] as Offer;
      const occupantPriority = o.occupant?.priority ?? 0;
      const key = `${o.arch}/${o.cores}/${o.memoryGiB}/${o.pool}/${occupantPriority}/${o.canHost ? `host:${o.cluster ?? ''}:${o.overhead.cores}:${o.overhead.memoryGiB}` : 'whole'}`;
      let type = byKey.get(key);
      if (type === undefined) {
        type = {
          arch: o.arch,
          cores: o.cores,
          memoryGiB: o.memoryGiB,
          pool: o.pool,
          occupantPriority,
          canHost: o.canHost,
          overhead: o.overhead,
          free: [],
        };
        byKey.set(key, type);
        this.types.push(type);
      }
      type.free.push(i);
    }
    const t = (i: number): OfferType => this.types[i] as OfferType;
    const size = (i: number): number[] => [t(i).cores, t(i).memoryGiB];
    const tier = (i: number): number =>
      t(i).occupantPriority === 0 ? 0 : 5 - t(i).occupantPriority;
    const rest = (a: number, b: number): number => compareIds(t(a).arch, t(b).arch);
    const all = this.types.map((_, i) => i);
    this.cheapest = [...all].sort(
      (a, b) =>
        takingCost(t(a)) - takingCost(t(b)) || compareNumbers(size(a), size(b)) || rest(a, b),
    );
    this.smallest = [...all].sort(
      (a, b) =>
        tier(a) - tier(b) ||
        compareNumbers(size(a), size(b)) ||
        takingCost(t(a)) - takingCost(t(b)) ||
        rest(a, b),
    );
    this.largest = [...all].sort(
      (a, b) =>
        takingCost(t(a)) - takingCost(t(b)) || compareNumbers(size(b), size(a)) || rest(a, b),
    );
  }
}
