import { NotFoundError, ValidationError } from '../common/errors';
import type { VmActionResult } from '../drivers/hypervisor/hypervisor-driver';
import { VmNotFoundError } from '../drivers/hypervisor/hypervisor-errors';
import { personaVmSpec } from '../drivers/hypervisor/persona-vm-spec';
import { vmSpecSchema } from '../drivers/hypervisor/vm-spec';
import { UnsupportedActionError } from '../drivers/power/power-errors';
import { iscsiLunAddress } from '../drivers/storage/lun-target';
import { parseOrThrow } from '../common/validate';
import { idSchema } from '../inventory/patterns';
import type { Machine } from '../inventory/topology-schema';
import type { ActivityDeps } from './activity-deps';
import { withFailureMapping } from './application-failure';
import { hypervisorDriverFor } from './hypervisor-driver-for';
import {
  addToTrunks,
  removeFromTrunks,
  restoreToTrunks,
  type HostTrunkPlan,
  type TrunkChange,
} from '../domain/network/host-trunk-plan';
import { hostNow, hostProfile } from '../inventory/hypervisor-cluster';
import {
  hypervisorHostChoice,
  type HostChoice,
  type HostLoad,
} from '../domain/placement/hypervisor-hosts';
import type { PortSpec } from '../domain/network/port-spec';

/** Where a persona's VM would live on a host, and what it needs there. */
export interface VmPlan {
  readonly site: string;
  readonly host: string;
  readonly persona: string;
  /** The host's iSCSI initiator, which logs in to the VM's LUNs. */
  readonly initiator: string | undefined;
  readonly luns: ReadonlyArray<{
    readonly array: string;
    readonly lun: string;
    readonly boot: boolean;
    readonly shared: boolean;
  }>;
  /**
   * Where a copy-mode P2V writes the persona's disk, and whether the host sees that volume now (the
   * VM runs from a copy).
   */
  readonly copyVolume: {
    readonly array: string;
    readonly lun: string;
    readonly visibleToHost: boolean;
  };
}

export type HostTrunkInput =
  | { readonly host: string; readonly persona: string; readonly op: 'add' }
  | {
      readonly host: string;
      readonly persona: string;
      readonly op: 'remove';
      readonly changes?: readonly TrunkChange[];
    }
  | {
      readonly host: string;
      readonly persona: string;
      readonly op: 'restore';
      readonly changes: readonly TrunkChange[];
    };

type Deps = Pick<
  ActivityDeps,
  'topology' | 'ledger' | 'hypervisorDriver' | 'switchDriver' | 'storageDriver'
>;

/**
 * Decisions and definitions for personas that run as VMs (p2v, v2p); their results are recorded in
 * history.
 */
export function createVmPlacementActivities(deps: Deps) {
  const { topology } = deps;

  /**
   * VMs on the host: defined there, or placed there by the ledger (a VM that a run records but the
   * host lost still claims its room).
   */
  async function vmsOn(host: Machine, placed: readonly string[]): Promise<string[]> {
    return [...new Set([...(await hypervisorDriverFor(deps, host).list()), ...placed])].sort();
  }

  async function loadOf(host: Machine, placed: readonly string[]): Promise<HostLoad> {
    try {
      const vms = [];
      for (const name of await vmsOn(host, placed)) {
        const persona = topology.topology.personas.find((p) => p.name === name);
        if (persona !== undefined) {
          vms.push({
            name,
            cores: persona.requirements.cores,
            memoryGiB: persona.requirements.memoryGiB,
          });
          continue;
        }
        // A VM rackshift did not define (made by hand): its own size counts.
        const info = await hypervisorDriverFor(deps, host)
          .info(name)
          .catch((e: unknown) => (e instanceof VmNotFoundError ? undefined : Promise.reject(e)));
        if (info !== undefined)
          vms.push({ name, cores: info.vcpus, memoryGiB: Math.ceil(info.memoryKiB / 1024 / 1024) });
      }
      return { vms };
    } catch (e) {
      return { error: (e as Error).message };
    }
  }

  const placedOn = (
    placements: Record<string, { kind: string; host?: string }>,
    host: string,
  ): string[] =>
    Object.entries(placements)
      .filter(([, p]) => p.kind === 'vm' && p.host === host)
      .map(([name]) => name);

  function portsOf(host: Machine): Array<{ switchId: string; port: string }> {
    return host.nics.map((n) => ({ switchId: n.switch, port: n.port }));
  }

  async function readPorts(host: Machine): Promise<PortSpec[]> {
    if (deps.switchDriver === undefined)
      throw new UnsupportedActionError(
        { machineId: host.id, bmcAddress: host.bmc.address },
        'switch ports',
        'this worker has no switch driver',
      );
    const out: PortSpec[] = [];
    for (const ref of portsOf(host))
      out.push({
        ...ref,
        ...(await deps.switchDriver(topology.switch(ref.switchId)).readPort(ref.port)),
      });
    return out;
  }

  const vlansOf = (persona: string): number[] =>
    topology
      .persona(persona)
      .networks.flatMap((n) => n.networks.map((net) => topology.network(net).vlan));

  /**
   * VLANs each port of the host must keep whatever happens to `persona`'s: the host's own (its
   * cluster's) on that NIC, and every other VM's.
   */
  async function keepFor(
    host: Machine,
    persona: string,
  ): Promise<(port: PortSpec) => ReadonlySet<number>> {
    const site = topology.machineSite(host.id).name;
    const ledger = await deps.ledger.snapshot(site);
    const others = (await vmsOn(host, placedOn(ledger.placements, host.id))).filter(
      (vm) => vm !== persona,
    );
    const unknown = others.filter((vm) => !topology.topology.personas.some((p) => p.name === vm));
    const everything = new Set(Array.from({ length: 4094 }, (_, i) => i + 1));
    // A VM nobody described may use any VLAN: keep them all.
    if (unknown.length > 0) return () => everything;
    const vmVlans = new Set(others.flatMap(vlansOf));
    // The host's own trunks: its cluster's (before clusters, the host persona placed on it).
    const cluster = hostNow(topology.topology, host.id, ledger.machines[host.id]).cluster;
    const hostPersona = Object.entries(ledger.placements).find(
      ([, p]) => p.kind === 'machine' && p.machine === host.id,
    )?.[0];
    const own =
      cluster !== undefined
        ? hostProfile(cluster, host)
        : hostPersona !== undefined
          ? topology.persona(hostPersona)
          : undefined;
    const nicVlans = new Map<string, number[]>();
    if (own !== undefined) {
      for (const nic of own.networks) {
        const cabled = host.nics[nic.nic];
        if (cabled !== undefined)
          nicVlans.set(
            `${cabled.switch}\0${cabled.port}`,
            nic.networks.map((n) => topology.network(n).vlan),
          );
      }
    }
    return (port) =>
      new Set([...vmVlans, ...(nicVlans.get(`${port.switchId}\0${port.port}`) ?? [])]);
  }

  function copyVolumeOf(persona: string, site: string): { array: string; lun: string } {
    const lun = parseOrThrow(`copy volume of ${persona}`, idSchema, `${persona}-p2v`);
    const array = topology.persona(persona).luns[0]?.array ?? topology.site(site).arrays[0]?.id;
    if (array === undefined)
      throw new NotFoundError(`array in site ${site} for the copy of`, persona);
    return { array, lun };
  }

  return withFailureMapping({
    /**
     * Hypervisor hosts of `site` that can take the persona's VM, best first (hypervisor-hosts).
     * Each host is asked which VMs it has, so VMs defined by runs still under way count.
     */
    async chooseHypervisorHost(input: {
      persona: string;
      site: string;
      host?: string;
    }): Promise<HostChoice> {
      const persona = topology.persona(input.persona);
      if (!persona.vmAllowed)
        throw new ValidationError(`VM for ${persona.name}`, [
          { path: 'persona.vmAllowed', message: `persona ${persona.name} may not run as a VM` },
        ]);
      if (input.host !== undefined && topology.machineSite(input.host).name !== input.site) {
        throw new ValidationError(`VM for ${persona.name}`, [
          {
            path: 'input.host',
            message: `${input.host} is not in site ${input.site}, where ${persona.name} runs`,
          },
        ]);
      }
      const site = topology.site(input.site);
      const ledger = await deps.ledger.snapshot(site.name);
      const loads = new Map<string, HostLoad>();
      for (const m of site.machines) {
        if (
          m.hypervisor === undefined ||
          !hostNow(topology.topology, m.id, ledger.machines[m.id]).host ||
          (input.host !== undefined && m.id !== input.host)
        )
          continue;
        loads.set(m.id, await loadOf(m, placedOn(ledger.placements, m.id)));
      }
      return hypervisorHostChoice(topology.topology, site, ledger, persona, loads, input.host);
    },

    /**
     * The persona's VM on `host`: validated as a VM spec (MACs, initiator, arch), and where its
     * disks are.
     */
    async planVm(input: { persona: string; host: string }): Promise<VmPlan> {
      const persona = topology.persona(input.persona);
      const host = topology.machine(input.host);
      personaVmSpec(persona, host, topology, iscsiLunAddress);
      const site = topology.machineSite(host.id).name;
      const copy = copyVolumeOf(persona.name, site);
      let visibleToHost = false;
      if (host.storage.iqn !== undefined && deps.storageDriver !== undefined) {
        const driver = deps.storageDriver(topology.array(copy.array));
        try {
          visibleToHost = (await driver.listVisibleTo(host.storage.iqn)).includes(copy.lun);
        } finally {
          await driver.close().catch(() => undefined);
        }
      }
      return {
        site,
        host: host.id,
        persona: persona.name,
        initiator: host.storage.iqn,
        luns: persona.luns.map((l) => ({
          array: l.array,
          lun: l.lun,
          boot: l.boot,
          shared: topology.array(l.array).luns.find((x) => x.id === l.lun)?.shared ?? false,
        })),
        copyVolume: { ...copy, visibleToHost },
      };
    },

    /**
     * How the host's trunk ports change for the persona's VM, from what they carry now:
     * `add` its VLANs that no trunk carries yet; `remove` (its VLANs, or exactly `changes`)
     * except what other VMs and the host persona still need; `restore` exactly `changes`.
     * Read under the host's lease, so nothing changes the ports between this and configurePorts.
     */
    async planHostTrunk(input: HostTrunkInput): Promise<HostTrunkPlan> {
      const host = topology.machine(input.host);
      const ports = await readPorts(host);
      if (input.op === 'add') return addToTrunks(host.id, ports, vlansOf(input.persona));
      if (input.op === 'restore') return restoreToTrunks(ports, input.changes);
      const mine = vlansOf(input.persona);
      const changes =
        input.changes ?? ports.map((p) => ({ switchId: p.switchId, port: p.port, vlans: mine }));
      return removeFromTrunks(ports, changes, await keepFor(host, input.persona));
    },

    /**
     * Defines the persona's VM booting from a copy volume instead of a LUN of its own (copy-mode
     * P2V).
     */
    async defineVmOnVolume(input: {
      host: string;
      persona: string;
      volume: { array: string; lun: string };
    }): Promise<VmActionResult> {
      const host = topology.machine(input.host);
      const spec = personaVmSpec(topology.persona(input.persona), host, topology, iscsiLunAddress);
      const at = iscsiLunAddress(topology.array(input.volume.array), input.volume.lun);
      const copy = {
        targetIqn: at.targetIqn,
        lun: at.lun,
        portal: { address: at.portalAddress, port: at.portalPort },
        initiatorIqn: host.storage.iqn,
        boot: true,
      };
      const withCopy = parseOrThrow(
        `VM for ${input.persona} on ${input.volume.lun}`,
        vmSpecSchema,
        { ...spec, disks: [copy, ...spec.disks.map((d) => ({ ...d, boot: false }))] },
      );
      return hypervisorDriverFor(deps, host).define(withCopy);
    },
  });
}

export type VmPlacementActivities = ReturnType<typeof createVmPlacementActivities>;
