import { isRackshiftError } from '../common/errors';
import type { HypervisorDriver } from '../drivers/hypervisor/hypervisor-driver';
import { heartbeat, sleepUnlessCancelled } from './activity-context';

export interface HypervisorReadiness {
  /** True once `virsh list` answered: the host booted its hypervisor image and libvirt runs. */
  readonly ready: boolean;
  /** The VMs defined on the host (running or not), when it answered. */
  readonly vms: readonly string[];
  readonly polls: number;
  readonly detail: string;
}

/**
 * Asks the host for its VMs until it answers or `timeoutSeconds` pass (0: ask once). A host
 * that is off, still booting or without libvirt fails with retryable errors (SSH unreachable,
 * hypervisor unavailable): those mean "not yet". Errors that retrying cannot fix (a rejected
 * credential, a wrong host key) are thrown at once, so a run never waits out its timeout on them.
 */
export async function awaitHypervisor(
  driver: HypervisorDriver,
  host: string,
  timeoutSeconds: number,
  pollMs = 1000,
): Promise<HypervisorReadiness> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  for (let polls = 1; ; polls += 1) {
    let detail: string;
    try {
      const vms = await driver.list();
      heartbeat({ polls, ready: true });
      return {
        ready: true,
        vms,
        polls,
        detail: `libvirt on ${host} answers (${vms.length} VM(s))`,
      };
    } catch (e) {
      if (!isRackshiftError(e) || !e.retryable) throw e;
      detail = e.message;
    }
    heartbeat({ polls, detail });
    if (Date.now() >= deadline) return { ready: false, vms: [], polls, detail };
    await sleepUnlessCancelled(Math.min(pollMs, Math.max(0, deadline - Date.now())));
  }
}
