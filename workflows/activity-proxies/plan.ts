import { proxyActivities } from '@temporalio/workflow';
import type { FailbackActivities } from '../../activities/failback-activities';
import type { HypervisorActivities } from '../../activities/hypervisor-activities';
import type { PlacementActivities } from '../../activities/placement-activities';
import type { VmPlacementActivities } from '../../activities/vm-placement-activities';
import { planOp, undoOp } from '../activity-profiles';

/**
 * Pure lookups over the topology and the ledgers: where a persona runs, which machines or hosts
 * fit it, what a placement needs. They change nothing, whichever activity factory serves them.
 */
type Lookups = PlacementActivities &
  FailbackActivities &
  Pick<VmPlacementActivities, 'chooseHypervisorHost' | 'planVm' | 'planHostTrunk'> &
  Pick<HypervisorActivities, 'planHypervisorHost'>;

export const plan = proxyActivities<Lookups>(planOp);

/** A lookup made inside a compensation (the reverse of a trunk change), retried as undos are. */
export const planUndo = proxyActivities<Lookups>(undoOp);
