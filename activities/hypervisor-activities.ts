import type {
  HypervisorDriver,
  VmActionResult,
  VmInfo,
  VmShutdownResult,
} from '../drivers/hypervisor/hypervisor-driver';
import { personaVmSpec } from '../drivers/hypervisor/persona-vm-spec';
import { VmNotFoundError } from '../drivers/hypervisor/hypervisor-errors';
import { iscsiLunAddress } from '../drivers/storage/lun-target';
import { ValidationError } from '../common/errors';
import { chooseCluster } from '../inventory/hypervisor-cluster';
import type { ActivityDeps } from './activity-deps';
import { heartbeat } from './activity-context';
import { withFailureMapping } from './application-failure';
import { hypervisorDriverFor } from './hypervisor-driver-for';
import { awaitHypervisor, type HypervisorReadiness } from './hypervisor-readiness';
import { placementPlan, type PlacementPlan } from '../domain/placement/placement-plan';

/**
 * VMs on hypervisor hosts, for runbooks. Every call is idempotent (define replaces, start while
 * running is "already").
 */
export function createHypervisorActivities(
  deps: Pick<ActivityDeps, 'topology' | 'hypervisorDriver'>,
) {
  function driver(hostId: string): HypervisorDriver {
    return hypervisorDriverFor(deps, deps.topology.machine(hostId));
  }

  return withFailureMapping({
    /**
     * Defines the persona's VM on the host (its MACs, VLAN trunk NICs, LUNs through the host's
     * initiator).
     */
    async defineVm(input: { host: string; persona: string }): Promise<VmActionResult> {
      const host = deps.topology.machine(input.host);
      const spec = personaVmSpec(
        deps.topology.persona(input.persona),
        host,
        deps.topology,
        iscsiLunAddress,
      );
      return driver(input.host).define(spec);
    },

    async startVm(input: { host: string; persona: string }): Promise<VmActionResult> {
      return driver(input.host).start(input.persona);
    },

    async shutdownVm(input: {
      host: string;
      persona: string;
      graceSeconds: number;
    }): Promise<VmShutdownResult> {
      heartbeat({ shuttingDown: input.persona });
      return driver(input.host).shutdown(input.persona, { graceMs: input.graceSeconds * 1000 });
    },

    /**
     * Stops (if running) and removes the VM; already when it does not exist. The undo of
     * defineVm/startVm.
     */
    async removeVm(input: {
      host: string;
      persona: string;
    }): Promise<{ readonly already: boolean }> {
      const d = driver(input.host);
      const destroyed = await d.destroy(input.persona).catch((e: unknown) => {
        if (e instanceof VmNotFoundError) return { already: true };
        throw e;
      });
      const undefined_ = await d.undefine(input.persona);
      return { already: destroyed.already && undefined_.already };
    },

    async vmInfo(input: { host: string; persona: string }): Promise<VmInfo | null> {
      return driver(input.host)
        .info(input.persona)
        .catch((e: unknown) => {
          if (e instanceof VmNotFoundError) return null;
          throw e;
        });
    },

    async listVms(input: { host: string }): Promise<string[]> {
      return driver(input.host).list();
    },

    /**
     * The VMs a host's libvirt lists, asked once; `answered: false` (with why) when the host is
     * off or libvirt is down, so a caller can fall back on the ledger's word. Errors retrying
     * cannot fix (a rejected credential, a wrong host key) are thrown.
     */
    async readHostVms(input: {
      host: string;
    }): Promise<{ answered: true; vms: string[] } | { answered: false; detail: string }> {
      const once = await awaitHypervisor(driver(input.host), input.host, 0);
      return once.ready
        ? { answered: true, vms: [...once.vms] }
        : { answered: false, detail: once.detail };
    },

    /**
     * What making `machine` a host of `cluster` (default: its resting cluster, else its site's
     * only one) takes: the cluster's trunks, datastores and hypervisor image on this machine.
     * Throws
     * ValidationError naming the field when the machine has no hypervisor endpoint or the
     * cluster does not fit (inventory/hypervisor-cluster).
     */
    async planHypervisorHost(input: {
      machine: string;
      cluster?: string;
    }): Promise<{ cluster: string; site: string; placement: PlacementPlan }> {
      const choice = chooseCluster(deps.topology, input.machine, input.cluster);
      if ('issues' in choice) throw new ValidationError('hypervisor host', choice.issues);
      return {
        ...choice,
        placement: placementPlan(
          deps.topology,
          deps.topology.bootSubject(choice.cluster, input.machine),
          deps.topology.machine(input.machine),
        ),
      };
    },

    /**
     * Polls the host's libvirt (virsh list) with heartbeats until it answers or the timeout; 0 asks
     * once.
     */
    async waitForHypervisor(input: {
      host: string;
      timeoutSeconds: number;
      pollMs?: number;
    }): Promise<HypervisorReadiness> {
      return awaitHypervisor(driver(input.host), input.host, input.timeoutSeconds, input.pollMs);
    },
  });
}

export type HypervisorActivities = ReturnType<typeof createHypervisorActivities>;
