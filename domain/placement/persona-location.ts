import type { Placement } from '../../inventory/ledger-records';

/** Where a persona runs now: its ledger placements and who sees its LUNs. */
export interface PersonaLocation {
  readonly placements: ReadonlyArray<{
    readonly site: string;
    readonly placement: Exclude<Placement, { kind: 'none' }>;
  }>;
  readonly lunHolders: ReadonlyArray<{
    readonly array: string;
    readonly lun: string;
    readonly initiator: string;
    readonly machine: string | null;
  }>;
  /**
   * The machine the topology rests the persona on when no ledger has an entry for it and no
   * ledger places another persona there (domain/planner/resting-placement): the machine a
   * move vacates, to be parked, even when nothing of it is masked there.
   */
  readonly resting?: string;
  /** Arrays of its LUNs that did not answer (their site is dark): their holders are unknown. */
  readonly unanswered?: readonly string[];
}
/**
 * Why no run may move the persona while a LUN of it is masked to an initiator of no machine of
 * the topology (a stranger): no run can shut that holder down before the LUN starts elsewhere.
 * Undefined when every holder is a machine of the topology.
 */
export function lunStrangerReason(where: PersonaLocation): string | undefined {
  const stranger = where.lunHolders.find((h) => h.machine === null);
  return stranger === undefined
    ? undefined
    : `${stranger.lun} on ${stranger.array} is masked to ${stranger.initiator}, which is no machine of the topology; unmask it by hand first`;
}

/** The machines the persona runs on: its ledger placements and the holders of its LUNs, sorted. */
export function machinesOf(where: PersonaLocation): string[] {
  return [
    ...new Set([
      ...where.placements.flatMap((p) =>
        p.placement.kind === 'machine' ? [p.placement.machine] : [],
      ),
      ...where.lunHolders.flatMap((h) => (h.machine === null ? [] : [h.machine])),
    ]),
  ].sort();
}

/** One line for a run's steps: where the ledger places the persona and who sees its LUNs. */
export function describeLocation(where: PersonaLocation): string {
  return (
    [
      ...where.placements.map((p) =>
        p.placement.kind === 'machine'
          ? `placed on ${p.placement.machine}`
          : `a VM on ${p.placement.host}`,
      ),
      ...where.lunHolders.map((h) => `${h.lun} seen by ${h.machine ?? h.initiator}`),
      ...(where.unanswered ?? []).map((a) => `${a} does not answer`),
    ].join('; ') || 'nowhere'
  );
}
