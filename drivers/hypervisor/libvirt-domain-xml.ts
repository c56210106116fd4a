import { parseOrThrow } from '../../common/validate';
import { vmSpecSchema, type VmIscsiDisk, type VmNic, type VmSpec } from './vm-spec';
import { el, renderXml, type XmlElement } from './xml-builder';

/**
 * vda, vdb, … vdz, vdaa: the names Linux gives virtio disks, so the guest sees what the XML says.
 */
function virtioDiskName(index: number): string {
  let n = index + 1;
  let suffix = '';
  while (n > 0) {
    n -= 1;
    suffix = String.fromCharCode(97 + (n % 26)) + suffix;
    n = Math.floor(n / 26);
  }
  return `vd${suffix}`;
}

/** The host's initiator logs into the array for the guest; the array masks LUNs to that IQN. */
function iscsiDisk(disk: VmIscsiDisk, index: number): XmlElement {
  return el(
    'disk',
    { type: 'network', device: 'disk' },
    el('driver', { name: 'qemu', type: 'raw', cache: 'none' }),
    el(
      'source',
      { protocol: 'iscsi', name: `${disk.targetIqn}/${disk.lun}` },
      el('host', { name: disk.portal.address, port: disk.portal.port }),
      el('initiator', {}, el('iqn', { name: disk.initiatorIqn })),
    ),
    el('target', { dev: virtioDiskName(index), bus: 'virtio' }),
    disk.boot && el('boot', { order: 1 }),
  );
}

/**
 * A NIC on an Open vSwitch bridge that the host's trunk uplinks join: libvirt tags VLANs
 * only on OVS bridges. One VLAN makes the VM's port an access port (the guest sees untagged
 * frames); several make it a trunk (the guest sees them tagged, as on the physical machine).
 */
function trunkNic(nic: VmNic, bootOrder: number | undefined): XmlElement {
  const trunk = nic.vlans.length > 1 ? 'yes' : undefined;
  return el(
    'interface',
    { type: 'bridge' },
    el('mac', { address: nic.mac }),
    el('source', { bridge: nic.bridge }),
    el('virtualport', { type: 'openvswitch' }),
    el('vlan', { trunk }, ...nic.vlans.map((id) => el('tag', { id }))),
    el('model', { type: 'virtio' }),
    bootOrder !== undefined && el('boot', { order: bootOrder }),
  );
}

/**
 * libvirt domain XML for a VM spec. The spec is validated again here (every value by its
 * pattern) and every value is escaped by the builder. The boot LUN boots first; a VM with
 * no boot LUN network-boots from its first NIC, as a PXE persona does on a machine.
 */
export function libvirtDomainXml(input: VmSpec): string {
  const spec = parseOrThrow('VM spec', vmSpecSchema, input);
  const netBoot = spec.disks.some((d) => d.boot) ? undefined : 0;
  return renderXml(
    el(
      'domain',
      { type: 'kvm' },
      el('name', {}, spec.name),
      el('memory', { unit: 'GiB' }, spec.memoryGiB),
      el('vcpu', { placement: 'static' }, spec.vcpus),
      el('os', {}, el('type', { arch: spec.arch }, 'hvm')),
      // ACPI lets `virsh shutdown` ask the guest to power off gracefully.
      el('features', {}, el('acpi')),
      el('on_poweroff', {}, 'destroy'),
      el('on_reboot', {}, 'restart'),
      el('on_crash', {}, 'destroy'),
      el(
        'devices',
        {},
        ...spec.disks.map(iscsiDisk),
        ...spec.nics.map((nic, i) => trunkNic(nic, i === netBoot ? 1 : undefined)),
        el('console', { type: 'pty' }),
      ),
    ),
  );
}
