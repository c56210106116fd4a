import type { ActivityDeps } from './activity-deps';
import { createPowerActivities } from './power-activities';

/** Every activity the worker registers, built from injected dependencies. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createPowerActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
