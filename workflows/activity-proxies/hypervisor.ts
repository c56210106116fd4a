import { proxyActivities } from '@temporalio/workflow';
import type { HypervisorActivities } from '../../activities/hypervisor-activities';
import type { VmPlacementActivities } from '../../activities/vm-placement-activities';
import { healthWait, hypervisorOp, powerWait, undoOp } from '../activity-profiles';

type VmRequests = Pick<
  HypervisorActivities,
  'defineVm' | 'startVm' | 'removeVm' | 'vmInfo' | 'readHostVms'
> &
  Pick<VmPlacementActivities, 'defineVmOnVolume'>;

/** One hypervisor call over SSH each: define, start, remove a VM; read a VM or a host's VMs. */
export const hypervisor = proxyActivities<VmRequests>(hypervisorOp);

/** Removing or starting a VM again as a compensation: retried more patiently, then left to fix. */
export const hypervisorUndo = proxyActivities<VmRequests>(undoOp);

/**
 * Shutting a VM down waits up to the grace time for the guest to go off before destroying it, so
 * its timeout is bound per call (the grace time plus a minute).
 */
export const shutdownVm = (graceSeconds: number) =>
  proxyActivities<Pick<HypervisorActivities, 'shutdownVm'>>(powerWait(graceSeconds)).shutdownVm;

/**
 * Waiting for a host's libvirt to answer lasts as long as the host takes to boot, so its timeout is
 * bound per call (the wait plus a minute), as a health check's is.
 */
export const waitForHypervisor = (timeoutSeconds: number) =>
  proxyActivities<Pick<HypervisorActivities, 'waitForHypervisor'>>(healthWait(timeoutSeconds))
    .waitForHypervisor;
