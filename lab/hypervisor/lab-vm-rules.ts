import { iscsiLunAddress } from '../../drivers/storage/lun-target';
import type { Machine } from '../../inventory/topology-schema';
import { onLoopback, startPersonaEndpoint } from '../boot/persona-endpoint';
import type { Lab } from '../lab';
import { labVolumeView } from '../disk/lab-volume-view';
import type { LabDomainConfig, LabVmDisk } from './lab-domain-config';
import type { LabVmBoot } from './lab-vm';

interface LunAt {
  readonly array: string;
  readonly lun: string;
  readonly portalAddress: string;
  readonly portalPort: number;
}

/**
 * The rules a VM on a lab hypervisor host lives by, the same as a lab machine's: its LUNs
 * must be masked to the host's initiator (checked when `virsh start` opens the disks, as
 * qemu does), and its VLANs must be trunked to the host's switch ports and its identity be
 * the persona's (checked when the guest boots; a failure leaves it running but unhealthy).
 */
export class LabVmRules {
  /** `<target iqn>/<lun>` → the topology LUN, in the storage drivers' layout. */
  private readonly luns = new Map<string, LunAt>();

  constructor(
    private readonly lab: Lab,
    private readonly host: Machine,
  ) {
    for (const site of lab.topology.sites) {
      for (const array of site.arrays) {
        for (const lun of array.luns) {
          const at = iscsiLunAddress(array, lun.id);
          this.luns.set(`${at.targetIqn}/${at.lun}`, {
            array: array.id,
            lun: lun.id,
            portalAddress: at.portalAddress,
            portalPort: at.portalPort,
          });
        }
      }
    }
  }

  private diskRefusal(disk: LabVmDisk): string | undefined {
    const name = `${disk.targetIqn}/${disk.lun}`;
    const login = `iSCSI login to ${name} at ${disk.portalAddress}:${disk.portalPort} failed`;
    const iqn = this.host.storage.iqn;
    // Besides topology LUNs, a VM may use a volume a copy-mode P2V wrote (lab/disk).
    const at = this.luns.get(name) ?? labVolumeView(this.lab)?.locate(disk.targetIqn);
    if (
      at === undefined ||
      at.portalAddress !== disk.portalAddress ||
      at.portalPort !== disk.portalPort
    )
      return `${login}: no such target on that portal`;
    if (iqn === undefined || disk.initiator !== iqn)
      return `${login}: initiator ${disk.initiator ?? '(none)'} is not this host's (${iqn ?? 'none'})`;
    const san = this.lab.sanView;
    if (san === undefined) return `${login}: no lab array answers`;
    if (!san.lunExists(at.array, at.lun))
      return `${login}: LUN ${at.lun} does not exist on ${at.array}`;
    if (!san.lunsVisibleTo(at.array, iqn).includes(at.lun))
      return `${login}: LUN ${at.lun} of ${at.array} is not masked to ${iqn}`;
    return undefined;
  }

  /** Why `virsh start` fails for this definition, in libvirt's words, or undefined. */
  startRefusal(config: LabDomainConfig): string | undefined {
    const bridge = this.host.hypervisor?.bridge;
    const strayNic = config.nics.find((n) => n.bridge !== bridge);
    if (strayNic !== undefined)
      return `Cannot get interface MTU on '${strayNic.bridge}': No such device`;
    for (const disk of config.disks) {
      const refusal = this.diskRefusal(disk);
      if (refusal !== undefined)
        return `internal error: qemu unexpectedly closed the monitor: ${refusal}`;
    }
    return undefined;
  }

  /** Whether some port of the host carries `vlan` tagged (trunk, up). */
  private trunked(vlan: number): boolean {
    const view = this.lab.switchView;
    return this.host.nics.some((n) => {
      const port = view?.portState(n.switch, n.port);
      return (
        port !== undefined &&
        port.mode === 'trunk' &&
        !port.shutdown &&
        port.trunkVlans.includes(vlan)
      );
    });
  }

  /** Why the guest of `config` cannot be its persona, or undefined. */
  private guestProblem(config: LabDomainConfig): string | undefined {
    const ports = this.host.nics.map((n) => `${n.switch} ${n.port}`).join(', ');
    for (const nic of config.nics) {
      const missing = nic.vlans.find((v) => !this.trunked(v));
      if (missing !== undefined)
        return `VLAN ${missing} of NIC ${nic.mac} is not trunked to host ${this.host.id}'s ports (${ports})`;
    }
    const persona = this.lab.topology.personas.find((p) => p.name === config.name);
    if (persona === undefined) return `no persona is named "${config.name}"`;
    for (const [i, pnic] of persona.networks.entries()) {
      const vnic = config.nics[i];
      if (pnic.mac !== undefined && vnic?.mac !== pnic.mac)
        return `persona NIC ${pnic.nic} has MAC ${pnic.mac}, the VM presents ${vnic?.mac ?? 'no NIC'}`;
    }
    const bootLun = persona.luns.find((l) => l.boot);
    const bootDisk = config.disks.find((d) => d.bootOrder === 1);
    const copy =
      bootDisk === undefined || this.luns.has(`${bootDisk.targetIqn}/${bootDisk.lun}`)
        ? undefined
        : labVolumeView(this.lab)?.locate(bootDisk.targetIqn);
    // A guest booting a copied disk is its persona only if the copy is exactly the persona's disk.
    const copyProblem =
      copy === undefined ? undefined : labVolumeView(this.lab)?.bootProblem(persona.name, copy);
    if (copyProblem !== undefined) return copyProblem;
    const booted =
      bootDisk === undefined ? undefined : this.luns.get(`${bootDisk.targetIqn}/${bootDisk.lun}`);
    if (bootLun !== undefined && (booted?.array !== bootLun.array || booted.lun !== bootLun.lun)) {
      return `boots ${booted === undefined ? 'no LUN' : `${booted.array}/${booted.lun}`}, not the persona's boot LUN ${bootLun.array}/${bootLun.lun}`;
    }
    return undefined;
  }

  /**
   * The guest's boot: healthy and answering its persona's health check, or the reason it is not.
   */
  async bootGuest(config: LabDomainConfig): Promise<LabVmBoot> {
    const problem = this.guestProblem(config);
    if (problem !== undefined) return { healthy: false, reason: problem };
    const check = this.lab.topology.personas.find((p) => p.name === config.name)?.health;
    if (check === undefined) return { healthy: true };
    if (!onLoopback(check))
      return {
        healthy: false,
        reason: `health address ${check.host} is not loopback; the lab listens on loopback only`,
      };
    try {
      return { healthy: true, health: await startPersonaEndpoint(config.name, check) };
    } catch (e) {
      return {
        healthy: false,
        reason: `health endpoint ${check.host}:${check.port}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      };
    }
  }
}
