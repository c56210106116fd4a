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
}
