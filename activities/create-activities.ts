import type { ActivityDeps } from './activity-deps';
import { createLedgerActivities } from './ledger-activities';
import { createPowerActivities } from './power-activities';

/** Every activity the worker registers, built from injected dependencies. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createPowerActivities(deps),
    ...createLedgerActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
