import { compareIds } from './compare-ids';
import type { UnrestoredReason } from './failover-plan';
import type { LostPersona, Offer, PlannerModel } from './planner-model';

/** Free room of a hypervisor host once the plan is carried out. */
export interface FinalRoom {
  readonly machine: string;
  readonly freeCores: number;
  readonly freeMemoryGiB: number;
  readonly arch: string;
}

interface UnrestoredContext {
  readonly model: PlannerModel;
  readonly offers: ReadonlyMap<string, Offer>;
  readonly sparesOnly: boolean;
  /** Machines the plan takes, whole or as new hosts. */
  readonly taken: ReadonlySet<string>;
  readonly rooms: readonly FinalRoom[];
}

/**
 * Why a lost persona stays down, judged against the finished plan. Checks run from the
 * most fundamental (nothing of its arch) to the most circumstantial (everything taken),
 * so the code names what would have to change first.
 */
export function unrestoredReason(
  p: LostPersona,
  ctx: UnrestoredContext,
): { reason: UnrestoredReason; detail: string } {
  const need = `${p.cores} cores / ${p.memoryGiB} GiB`;
  if (p.leased)
    return { reason: 'persona-leased', detail: `another run holds a lease on ${p.name}` };
  const ofArch = ctx.model.reachable.filter((m) => m.arch === p.arch);
  if (ofArch.length === 0)
    return {
      reason: 'no-fitting-arch',
      detail: `no usable ${p.arch} machine is left in the target sites`,
    };
  const bigEnough = ofArch.filter((m) => m.cores >= p.cores && m.memoryGiB >= p.memoryGiB);
  if (bigEnough.length === 0) {
    const largest = [...ofArch].sort(
      (a, b) => b.cores - a.cores || b.memoryGiB - a.memoryGiB || compareIds(a.machine, b.machine),
    )[0];
    return {
      reason: 'too-large',
      detail: `needs ${need}; the largest usable ${p.arch} machine, ${largest?.machine}, has ${largest?.cores} cores / ${largest?.memoryGiB} GiB`,
    };
  }
  const left = bigEnough.filter((m) => !ctx.taken.has(m.machine));
  const outranking = left
    .map((m) => ctx.offers.get(m.machine))
    .find((o) => o?.occupant !== undefined && o.occupant.priority <= p.priority);
  if (outranking?.occupant !== undefined) {
    return {
      reason: 'occupant-outranks',
      detail: `${outranking.machine} runs ${outranking.occupant.persona} (priority ${outranking.occupant.priority}), which is not evicted for a priority-${p.priority} persona`,
    };
  }
  const barred = left.find((m) => m.role === 'barred');
  if (barred !== undefined) {
    const why = ctx.sparesOnly
      ? 'this run takes free spare machines only'
      : 'the options forbid evicting its occupant';
    return { reason: 'repurpose-not-allowed', detail: `${barred.machine} would fit, but ${why}` };
  }
  const room = ctx.rooms.find(
    (r) => r.arch === p.arch && r.freeCores >= p.cores && r.freeMemoryGiB >= p.memoryGiB,
  );
  if (!p.vmAllowed && room !== undefined)
    return {
      reason: 'vm-not-allowed',
      detail: `hypervisor host ${room.machine} has room for ${need}, but ${p.name} may not run as a VM`,
    };
  return {
    reason: 'no-capacity',
    detail: `every machine and host room that fits ${need} is taken by this plan or runs something that is not evictable`,
  };
}
