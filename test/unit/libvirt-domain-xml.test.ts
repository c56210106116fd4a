import { ValidationError } from '../../common/errors';
import { libvirtDomainXml } from '../../drivers/hypervisor/libvirt-domain-xml';
import { personaVmSpec, type IscsiLunLocator } from '../../drivers/hypervisor/persona-vm-spec';
import type { VmSpec } from '../../drivers/hypervisor/vm-spec';
import { el, escapeXml, renderXml } from '../../drivers/hypervisor/xml-builder';
import { parseTopology } from '../../inventory/load-topology';
import { TopologyIndex } from '../../inventory/topology-index';
import type { Machine, Persona, TopologyInput } from '../../inventory/topology-schema';

const FP = 'SHA256:Hqo6iFK/Ohi1BUKQLyRqVYRcy0jxpOyWEwedfq6fM6I';

const input: TopologyInput = {
  version: 1,
  credentials: [{ name: 'bmc' }, { name: 'sw' }, { name: 'arr' }, { name: 'hv' }],
  networks: [
    { name: 'web', vlan: 110 },
    { name: 'app', vlan: 130 },
    { name: 'storage', vlan: 200 },
  ],
  bootImages: [
    { name: 'san', kind: 'san' },
    { name: 'pxe', kind: 'pxe', kernel: 'http://127.0.0.1/vmlinuz' },
  ],
  sites: [
    {
      name: 'dc1',
      racks: [{ name: 'r1' }],
      switches: [
        {
          id: 'sw1',
          vendor: 'cisco-ios',
          address: '127.0.0.1',
          port: 2201,
          credential: 'sw',
          hostKeyFingerprint: FP,
        },
      ],
      arrays: [
        {
          id: 'array-1',
          kind: 'tgt',
          address: '127.0.0.1',
          port: 2202,
          credential: 'arr',
          hostKeyFingerprint: FP,
          portal: { address: '10.0.0.5', port: 3260 },
          targetIqn: 'iqn.2026-11.example:array-1',
          luns: [
            { id: 'app-boot', sizeGiB: 20 },
            { id: 'app-data', sizeGiB: 100 },
          ],
        },
      ],
      machines: [
        {
          id: 'kvm-1',
          rack: 'r1',
          bmc: { driver: 'ipmi', address: '127.0.0.1', port: 6231, credential: 'bmc' },
          nics: [{ name: 'eth0', mac: '52:54:00:00:00:01', switch: 'sw1', port: 'Gi1/0/1' }],
          storage: { iqn: 'iqn.2026-11.example:kvm-1' },
          arch: 'x86_64',
          cores: 32,
          memoryGiB: 256,
          pool: 'spare',
          hypervisor: {
            address: '127.0.0.1',
            port: 2241,
            credential: 'hv',
            hostKeyFingerprint: FP,
            bridge: 'br-trunk',
          },
        },
        {
          id: 'plain-1',
          rack: 'r1',
          bmc: { driver: 'ipmi', address: '127.0.0.1', port: 6232, credential: 'bmc' },
          nics: [{ name: 'eth0', mac: '52:54:00:00:00:02', switch: 'sw1', port: 'Gi1/0/2' }],
          arch: 'aarch64',
          cores: 8,
          memoryGiB: 16,
          pool: 'spare',
        },
      ],
    },
  ],
  personas: [
    {
      name: 'app-01',
      image: 'san',
      networks: [
        { nic: 0, networks: ['web', 'app'], mac: '52:54:00:AA:00:03' },
        { nic: 1, networks: ['storage'], mac: '52:54:00:aa:01:03' },
      ],
      luns: [
        { array: 'array-1', lun: 'app-data' },
        { array: 'array-1', lun: 'app-boot', boot: true },
      ],
      requirements: { arch: 'x86_64', cores: 4, memoryGiB: 16 },
      priority: 3,
      vmAllowed: true,
    },
    {
      name: 'pxe-01',
      image: 'pxe',
      networks: [{ nic: 0, networks: ['web'], mac: '52:54:00:aa:00:04' }],
      requirements: { arch: 'x86_64', cores: 2, memoryGiB: 4 },
      priority: 4,
      vmAllowed: true,
    },
    {
      name: 'nomac-01',
      image: 'pxe',
      networks: [{ nic: 0, networks: ['web'] }],
      requirements: { arch: 'aarch64', cores: 2, memoryGiB: 4 },
      priority: 4,
      vmAllowed: false,
    },
  ],
};

const topology = new TopologyIndex(parseTopology(input));
const host: Machine = topology.machine('kvm-1');
/** A target per LUN holding it as LUN 1, the layout of drivers/storage. */
const locateLun: IscsiLunLocator = (array, lunId) => ({
  portalAddress: array.portal.address,
  portalPort: array.portal.port,
  targetIqn: `${array.targetIqn}:${lunId}`,
  lun: 1,
});

describe('libvirt domain XML', () => {
  it('renders a persona as a VM: MACs on the trunk bridge, VLAN tags, iSCSI LUNs through the host initiator, boot LUN first', () => {
    const xml = libvirtDomainXml(
      personaVmSpec(topology.persona('app-01'), host, topology, locateLun),
    );
    expect(xml).toBe(`<domain type='kvm'>
  <name>app-01</name>
  <memory unit='GiB'>16</memory>
  <vcpu placement='static'>4</vcpu>
  <os>
    <type arch='x86_64'>hvm</type>
  </os>
  <features>
    <acpi/>
  </features>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <disk type='network' device='disk'>
      <driver name='qemu' type='raw' cache='none'/>
      <source protocol='iscsi' name='iqn.2026-11.example:array-1:app-data/1'>
        <host name='10.0.0.5' port='3260'/>
        <initiator>
          <iqn name='iqn.2026-11.example:kvm-1'/>
        </initiator>
      </source>
      <target dev='vda' bus='virtio'/>
    </disk>
    <disk type='network' device='disk'>
      <driver name='qemu' type='raw' cache='none'/>
      <source protocol='iscsi' name='iqn.2026-11.example:array-1:app-boot/1'>
        <host name='10.0.0.5' port='3260'/>
        <initiator>
          <iqn name='iqn.2026-11.example:kvm-1'/>
        </initiator>
      </source>
      <target dev='vdb' bus='virtio'/>
      <boot order='1'/>
    </disk>
    <interface type='bridge'>
      <mac address='52:54:00:aa:00:03'/>
      <source bridge='br-trunk'/>
      <virtualport type='openvswitch'/>
      <vlan trunk='yes'>
        <tag id='110'/>
        <tag id='130'/>
      </vlan>
      <model type='virtio'/>
    </interface>
    <interface type='bridge'>
      <mac address='52:54:00:aa:01:03'/>
      <source bridge='br-trunk'/>
      <virtualport type='openvswitch'/>
      <vlan>
        <tag id='200'/>
      </vlan>
      <model type='virtio'/>
    </interface>
    <console type='pty'/>
  </devices>
</domain>
`);
  });

  it('network-boots from the first NIC when the persona has no boot LUN', () => {
    const xml = libvirtDomainXml(
      personaVmSpec(topology.persona('pxe-01'), host, topology, locateLun),
    );
    expect(xml).not.toContain('<disk');
    expect(xml).toContain(`    <interface type='bridge'>
      <mac address='52:54:00:aa:00:04'/>
      <source bridge='br-trunk'/>
      <virtualport type='openvswitch'/>
      <vlan>
        <tag id='110'/>
      </vlan>
      <model type='virtio'/>
      <boot order='1'/>
    </interface>`);
  });

  it('says which persona or host fields keep a persona from becoming a VM', () => {
    const plain = topology.machine('plain-1');
    const refuse = (persona: Persona, on: Machine): string[] => {
      try {
        personaVmSpec(persona, on, topology, locateLun);
      } catch (e) {
        expect(e).toBeInstanceOf(ValidationError);
        return (e as ValidationError).issues.map((i) => i.path).sort();
      }
      throw new Error('accepted');
    };
    expect(refuse(topology.persona('nomac-01'), host)).toEqual([
      'persona.networks[0].mac',
      'persona.requirements.arch',
      'persona.vmAllowed',
    ]);
    expect(refuse(topology.persona('app-01'), plain)).toEqual([
      'host.hypervisor',
      'host.storage.iqn',
      'persona.requirements.arch',
    ]);
  });
});

describe('libvirt domain XML refuses values that are not what they claim to be', () => {
  const good: VmSpec = {
    name: 'web-01',
    arch: 'x86_64',
    vcpus: 2,
    memoryGiB: 4,
    nics: [{ mac: '52:54:00:aa:00:01', bridge: 'br-trunk', vlans: [110] }],
    disks: [
      {
        targetIqn: 'iqn.2026-11.example:array-1',
        lun: 1,
        portal: { address: '10.0.0.5', port: 3260 },
        initiatorIqn: 'iqn.2026-11.example:kvm-1',
        boot: true,
      },
    ],
  };
  const disk = good.disks[0]!;
  const nic = good.nics[0]!;

  it('accepts the well-formed spec', () => {
    expect(libvirtDomainXml(good)).toContain('<name>web-01</name>');
  });

  it.each<[string, VmSpec, string]>([
    [
      'markup in the name',
      { ...good, name: 'web-01</name><on_crash>preserve</on_crash><name>x' },
      'name',
    ],
    ['an all-digit name (a domain id to virsh)', { ...good, name: '42' }, 'name'],
    ['a UUID-shaped name', { ...good, name: '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0' }, 'name'],
    [
      'a quote in the bridge',
      { ...good, nics: [{ ...nic, bridge: "br0' type='x" }] },
      'nics[0].bridge',
    ],
    ['a malformed MAC', { ...good, nics: [{ ...nic, mac: '52:54:00:aa:00' }] }, 'nics[0].mac'],
    ['VLAN 4095', { ...good, nics: [{ ...nic, vlans: [4095] }] }, 'nics[0].vlans[0]'],
    ['a NIC without VLAN', { ...good, nics: [{ ...nic, vlans: [] }] }, 'nics[0].vlans'],
    [
      'a target IQN with a space',
      { ...good, disks: [{ ...disk, targetIqn: 'iqn.2026-11.example:a b' }] },
      'disks[0].targetIqn',
    ],
    [
      'markup in the portal address',
      {
        ...good,
        disks: [{ ...disk, portal: { address: "10.0.0.5'/><host name='evil", port: 3260 } }],
      },
      'disks[0].portal.address',
    ],
    ['a negative LUN', { ...good, disks: [{ ...disk, lun: -1 }] }, 'disks[0].lun'],
    ['two boot disks', { ...good, disks: [disk, { ...disk, lun: 2 }] }, 'disks'],
  ])('%s', (_what, spec, path) => {
    let error: unknown;
    try {
      libvirtDomainXml(spec);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((i) => i.path)).toContain(path);
  });
});

describe('xml builder', () => {
  it('escapes every value in attributes and text', () => {
    expect(renderXml(el('a', { q: `'"<&>` }, `<b>&'"`))).toBe(
      `<a q='&apos;&quot;&lt;&amp;&gt;'>&lt;b&gt;&amp;&apos;&quot;</a>\n`,
    );
    expect(escapeXml(42)).toBe('42');
  });

  it('leaves out undefined attributes and false children', () => {
    expect(renderXml(el('a', { x: undefined, y: 1 }, false, undefined))).toBe(`<a y='1'/>\n`);
  });

  it('refuses characters XML cannot carry and names that are not names', () => {
    expect(() => renderXml(el('a', {}, 'bell\u0007'))).toThrow(/cannot carry/);
    expect(() => el('a b')).toThrow(/not an XML name/);
    expect(() => el('a', { 'x=1 y': 'z' })).toThrow(/not an XML name/);
  });
});
