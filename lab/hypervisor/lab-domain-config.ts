import { readXml, type XmlNode } from './xml-reader';

export interface LabVmNic {
  readonly mac: string;
  readonly bridge: string;
  readonly vlans: readonly number[];
}

export interface LabVmDisk {
  readonly targetIqn: string;
  readonly lun: number;
  readonly portalAddress: string;
  readonly portalPort: number;
  readonly initiator: string | undefined;
  readonly bootOrder: number | undefined;
}

/** What the lab hypervisor keeps of a domain definition. */
export interface LabDomainConfig {
  readonly name: string;
  readonly vcpus: number;
  readonly memoryKiB: number;
  readonly nics: readonly LabVmNic[];
  readonly disks: readonly LabVmDisk[];
}

const KIB_PER: Readonly<Record<string, number>> = {
  k: 1,
  KiB: 1,
  M: 1024,
  MiB: 1024,
  G: 1024 ** 2,
  GiB: 1024 ** 2,
  T: 1024 ** 3,
  TiB: 1024 ** 3,
};

function child(node: XmlNode, name: string): XmlNode | undefined {
  return node.children.find((c) => c.name === name);
}

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined || value === '') throw new Error(`XML error: ${what}`);
  return value;
}

function positiveInt(text: string | undefined, what: string): number {
  const n = Number(need(text?.trim(), what));
  if (!Number.isInteger(n) || n < 0) throw new Error(`XML error: invalid ${what} '${text ?? ''}'`);
  return n;
}

function nic(node: XmlNode): LabVmNic {
  if (node.attrs.type !== 'bridge')
    throw new Error(
      `unsupported configuration: interface type '${node.attrs.type ?? ''}' (the lab hypervisor has bridges only)`,
    );
  const vlan = child(node, 'vlan');
  const tags =
    vlan?.children
      .filter((c) => c.name === 'tag')
      .map((t) => positiveInt(t.attrs.id, 'vlan tag id')) ?? [];
  if (tags.length > 1 && vlan?.attrs.trunk !== 'yes')
    throw new Error("XML error: multiple VLAN tags need trunk='yes'");
  if (tags.length > 0 && child(node, 'virtualport')?.attrs.type !== 'openvswitch') {
    throw new Error(
      'unsupported configuration: VLAN tags are supported only on Open vSwitch bridges',
    );
  }
  return {
    mac: need(child(node, 'mac')?.attrs.address, 'interface without mac address').toLowerCase(),
    bridge: need(child(node, 'source')?.attrs.bridge, 'interface without source bridge'),
    vlans: tags,
  };
}

function disk(node: XmlNode): LabVmDisk {
  const source = need(child(node, 'source'), 'disk without source');
  if (node.attrs.type !== 'network' || source.attrs.protocol !== 'iscsi') {
    throw new Error(
      'unsupported configuration: the lab hypervisor attaches iSCSI network disks only',
    );
  }
  const name = need(source.attrs.name, 'iSCSI disk without source name');
  const slash = name.lastIndexOf('/');
  if (slash <= 0) throw new Error(`XML error: iSCSI source name '${name}' is not <target>/<lun>`);
  const host = need(child(source, 'host'), 'iSCSI disk without host');
  const boot = child(node, 'boot')?.attrs.order;
  const initiator = child(source, 'initiator');
  return {
    targetIqn: name.slice(0, slash),
    lun: positiveInt(name.slice(slash + 1), 'iSCSI LUN'),
    portalAddress: need(host.attrs.name, 'iSCSI host without name'),
    portalPort: host.attrs.port === undefined ? 3260 : positiveInt(host.attrs.port, 'iSCSI port'),
    initiator: initiator === undefined ? undefined : child(initiator, 'iqn')?.attrs.name,
    bootOrder: boot === undefined ? undefined : positiveInt(boot, 'boot order'),
  };
}

/**
 * Reads a domain definition the way `virsh define` does; throws an Error whose message is libvirt's
 * kind of text.
 */
export function readDomainConfig(xml: string): LabDomainConfig {
  let root: XmlNode;
  try {
    root = readXml(xml);
  } catch (e) {
    throw new Error(`(domain_definition): ${(e as Error).message}`);
  }
  if (root.name !== 'domain')
    throw new Error(`XML error: unexpected root element <${root.name}>, expecting <domain>`);
  const memory = need(child(root, 'memory'), 'missing memory element');
  const unit = KIB_PER[memory.attrs.unit ?? 'KiB'];
  if (unit === undefined)
    throw new Error(`XML error: unknown memory unit '${memory.attrs.unit ?? ''}'`);
  const devices = child(root, 'devices');
  return {
    name: need(child(root, 'name')?.text.trim(), 'missing domain name'),
    vcpus: positiveInt(child(root, 'vcpu')?.text, 'vcpu count'),
    memoryKiB: positiveInt(memory.text, 'memory size') * unit,
    nics: devices?.children.filter((c) => c.name === 'interface').map(nic) ?? [],
    disks: devices?.children.filter((c) => c.name === 'disk').map(disk) ?? [],
  };
}
