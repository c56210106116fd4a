import type { ActivityDeps } from './activity-deps';
import { createDiskCopyActivities } from './disk-copy-activities';
import { createFailbackActivities } from './failback-activities';
import { createFailoverActivities } from './failover-activities';
import { createGuardActivities } from './guard-activities';
import { createHealthActivities } from './health-activities';
import { createHypervisorActivities } from './hypervisor-activities';
import { createLedgerActivities } from './ledger-activities';
import { createPlacementActivities } from './placement-activities';
import { createPlannerActivities } from './planner-activities';
import { createPowerActivities } from './power-activities';
import { createReplicationActivities } from './replication-activities';
import { createStorageActivities } from './storage-activities';
import { createSwitchActivities } from './switch-activities';
import { createVmPlacementActivities } from './vm-placement-activities';

/** Every activity the worker registers, built from injected dependencies. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createPowerActivities(deps),
    ...createLedgerActivities(deps),
    ...createSwitchActivities(deps),
    ...createStorageActivities(deps),
    ...createPlacementActivities(deps),
    ...createHealthActivities(deps),
    ...createHypervisorActivities(deps),
    ...createVmPlacementActivities(deps),
    ...createDiskCopyActivities(deps),
    ...createFailbackActivities(deps),
    ...createFailoverActivities(deps),
    ...createGuardActivities(deps),
    ...createReplicationActivities(deps),
    ...createPlannerActivities(),
  };
}
