import { parseTopology } from '../../inventory/load-topology';
import type { SwitchVendor, Topology } from '../../inventory/topology-schema';
import { freePort } from './free-port';

export const LAB_HOST_KEY_FINGERPRINT = 'SHA256:Hqo6iFK/Ohi1BUKQLyRqVYRcy0jxpOyWEwedfq6fM6I';

/** Two cabled ports per vendor, named the vendor's way. */
export const LAB_PORTS: Partial<Record<SwitchVendor, readonly [string, string]>> = {
  'cisco-ios': ['GigabitEthernet1/0/1', 'GigabitEthernet1/0/2'],
  'arista-eos': ['Ethernet1', 'Ethernet2'],
  'dell-os10': ['ethernet1/1/1', 'ethernet1/1/2'],
  junos: ['ge-0/0/1', 'ge-0/0/2'],
  'cumulus-nvue': ['swp1', 'swp2'],
  sonic: ['Ethernet0', 'Ethernet4'],
};

/**
 * One switch per vendor on a free loopback port, each with one machine cabled to two of
 * its ports; the machine's resident persona has an access NIC (prod-web) and a trunk NIC
 * (storage, mgmt). Networks: prod-web 110, prod-db 120, prod-app 130, storage 200, mgmt 300.
 */
export async function switchLabTopology(
  vendors: readonly SwitchVendor[],
  options: { sessionLimit?: number } = {},
): Promise<Topology> {
  const switches = [];
  const machines = [];
  const personas = [];
  for (const [i, vendor] of vendors.entries()) {
    const ports = LAB_PORTS[vendor];
    if (ports === undefined) throw new Error(`the lab does not speak ${vendor}`);
    switches.push({
      id: `sw-${vendor}`,
      vendor,
      address: '127.0.0.1',
      port: await freePort(),
      credential: 'lab-switch',
      hostKeyFingerprint: LAB_HOST_KEY_FINGERPRINT,
      ...(options.sessionLimit !== undefined && { sessionLimit: options.sessionLimit }),
    });
    machines.push({
      id: `m-${vendor}`,
      rack: 'r1',
      bmc: { driver: 'ipmi', address: '127.0.0.1', port: 1 + i, credential: 'lab-bmc' },
      nics: [
        {
          name: 'eth0',
          mac: `52:54:00:10:${String(i).padStart(2, '0')}:00`,
          switch: `sw-${vendor}`,
          port: ports[0],
        },
        {
          name: 'eth1',
          mac: `52:54:00:10:${String(i).padStart(2, '0')}:01`,
          switch: `sw-${vendor}`,
          port: ports[1],
        },
      ],
      arch: 'x86_64',
      cores: 8,
      memoryGiB: 32,
      pool: 'dedicated',
      occupant: `p-${vendor}`,
    });
    personas.push({
      name: `p-${vendor}`,
      image: 'pxe',
      networks: [
        { nic: 0, networks: ['prod-web'] },
        { nic: 1, networks: ['storage', 'mgmt'] },
      ],
      requirements: { arch: 'x86_64', cores: 4, memoryGiB: 8 },
      priority: 3,
    });
  }
  return parseTopology({
    version: 1,
    credentials: [
      { name: 'lab-switch', kind: 'switch' },
      { name: 'lab-bmc', kind: 'bmc' },
    ],
    networks: [
      { name: 'prod-web', vlan: 110 },
      { name: 'prod-db', vlan: 120 },
      { name: 'prod-app', vlan: 130 },
      { name: 'storage', vlan: 200 },
      { name: 'mgmt', vlan: 300 },
    ],
    bootImages: [{ name: 'pxe', kind: 'pxe', kernel: 'http://127.0.0.1:8080/vmlinuz' }],
    sites: [{ name: 'dc1', racks: [{ name: 'r1' }], machines, switches }],
    personas,
  });
}
