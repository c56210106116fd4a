import type { HypervisorDriver } from '../drivers/hypervisor/hypervisor-driver';
import { UnsupportedActionError } from '../drivers/power/power-errors';
import type { Machine } from '../inventory/topology-schema';
import type { ActivityDeps } from './activity-deps';

/**
 * The validated hypervisor driver of `host`; UnsupportedActionError when the topology gives it
 * no hypervisor endpoint or the worker has no hypervisor driver.
 */
export function hypervisorDriverFor(
  deps: Pick<ActivityDeps, 'hypervisorDriver'>,
  host: Machine,
): HypervisorDriver {
  if (deps.hypervisorDriver === undefined || host.hypervisor === undefined) {
    throw new UnsupportedActionError(
      { machineId: host.id, bmcAddress: host.bmc.address },
      'hypervisor',
      'this machine has no hypervisor endpoint in the topology, or the worker no hypervisor driver',
    );
  }
  const d = deps.hypervisorDriver(host);
  d.validate();
  return d;
}
