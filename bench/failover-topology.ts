import type { TopologyInput } from '../inventory/topology-schema';

/**
 * A failover topology of any size, in the proportions of examples/rack-fire.yaml: racks of
 * twenty machines burn (one persona each), and half as many working machines stand in other
 * racks, in blocks of ten like the seed's racks r2 and r3: five spares (two of them large enough
 * to become hypervisor hosts), four repurposable machines running low-priority work, one
 * dedicated machine. Priorities and "may run as a VM" repeat the seed's twenty personas, so the
 * plan has the seed's shape: spares first, then evictions, the rest packed as VMs.
 *
 * Every machine has a Redfish BMC over plain HTTP (in-process in the lab: a thousand ipmi_sim
 * processes would not fit on the bench machine), every switch is Junos (its commit is where a
 * real switch spends its time), every persona boots from SAN and has a TCP health check. Ports
 * are handed out from `basePort` upwards, one per listener.
 */
export interface FailoverTopologyOptions {
  /** Lost personas: a multiple of 20 (whole racks burn). */
  readonly personas: number;
  /** First loopback port of the block this topology listens on. */
  readonly basePort: number;
  /** The site's parallel moves (default: 8 per burning rack, at most 64). */
  readonly parallelMoves?: number;
}

export interface FailoverTopology {
  readonly topology: TopologyInput;
  /** The racks that burn. */
  readonly lostRacks: string[];
  /** How many ports from basePort it uses. */
  readonly ports: number;
}

/** The seed's twenty personas of rack r1, in order: priority and whether it may be a VM. */
const SEED_LOST: ReadonlyArray<readonly [priority: 1 | 2 | 3 | 4 | 5, vm: boolean]> = [
  [1, false],
  [1, false],
  [1, true],
  [1, true],
  [2, false],
  [2, false],
  [2, true],
  [2, true],
  [2, true],
  [3, true],
  [3, true],
  [3, false],
  [3, true],
  [4, true],
  [4, false],
  [4, false],
  [4, true],
  [5, true],
  [5, true],
  [5, false],
];

/** The seed's block of ten working machines (racks r2, r3): pool, priority of the occupant. */
const SEED_WORKING: ReadonlyArray<
  | { pool: 'spare'; hypervisor: boolean }
  | { pool: 'repurposable'; priority: 3 | 4 | 5 }
  | { pool: 'dedicated' }
> = [
  { pool: 'spare', hypervisor: true },
  { pool: 'spare', hypervisor: false },
  { pool: 'spare', hypervisor: false },
  { pool: 'spare', hypervisor: false },
  { pool: 'repurposable', priority: 5 },
  { pool: 'repurposable', priority: 4 },
  { pool: 'repurposable', priority: 5 },
  { pool: 'repurposable', priority: 3 },
  { pool: 'dedicated' },
  { pool: 'spare', hypervisor: true },
];

const RACK = 20;
/** Lost personas per array (one array per five burning racks, like a storage pod). */
const PER_ARRAY = 100;
const FINGERPRINT = 'SHA256:Hqo6iFK/Ohi1BUKQLyRqVYRcy0jxpOyWEwedfq6fM6I';
const NETWORKS = ['prod-web', 'prod-app', 'prod-db'] as const;

const pad = (n: number, width = 4): string => String(n).padStart(width, '0');
const mac = (kind: number, n: number, nic: number): string =>
  `52:54:${kind.toString(16).padStart(2, '0')}:${((n >> 8) & 0xff).toString(16).padStart(2, '0')}:${(n & 0xff).toString(16).padStart(2, '0')}:${nic.toString(16).padStart(2, '0')}`;

export function failoverTopology(options: FailoverTopologyOptions): FailoverTopology {
  const n = options.personas;
  if (!Number.isInteger(n) || n < RACK || n % RACK !== 0)
    throw new Error(`personas must be a positive multiple of ${RACK} (whole racks), got ${n}`);
  let port = options.basePort;
  const next = (): number => port++;
  const lostRacks = Array.from({ length: n / RACK }, (_, i) => `lost-r${pad(i + 1, 2)}`);
  const working = n / 2;
  const workingRacks = Array.from(
    { length: Math.ceil(working / RACK) },
    (_, i) => `spare-r${pad(i + 1, 2)}`,
  );
  const racks = [...lostRacks, ...workingRacks];
  const arrays = Array.from({ length: Math.ceil(n / PER_ARRAY) }, (_, i) => `array-${i + 1}`);
  const switches = racks.map((rack) => ({
    id: `sw-${rack}`,
    vendor: 'junos' as const,
    address: '127.0.0.1',
    port: next(),
    credential: 'lab-switch',
    hostKeyFingerprint: FINGERPRINT,
    rack,
  }));

  const lunsOf = new Map<string, { id: string; sizeGiB: number; shared?: boolean }[]>(
    arrays.map((a) => [a, []]),
  );
  const personas: NonNullable<TopologyInput['personas']> = [];
  const machines: NonNullable<TopologyInput['sites'][number]['machines']> = [];
  const persona = (
    name: string,
    index: number,
    priority: 1 | 2 | 3 | 4 | 5,
    vmAllowed: boolean,
    home: string,
    small: boolean,
  ): void => {
    const array = arrays[Math.floor(index / PER_ARRAY) % arrays.length] as string;
    lunsOf.get(array)?.push({ id: `${name}-boot`, sizeGiB: 20 });
    personas.push({
      name,
      image: 'rhel-9-san',
      networks: [
        {
          nic: 0,
          networks: [NETWORKS[index % NETWORKS.length] as string],
          mac: mac(0xbb, index, 0),
        },
      ],
      luns: [{ array, lun: `${name}-boot`, boot: true }],
      requirements: small
        ? { arch: 'x86_64', cores: 4, memoryGiB: 16 }
        : { arch: 'x86_64', cores: 16, memoryGiB: 64 },
      priority,
      vmAllowed,
      home: { machine: home },
      health: { kind: 'tcp', host: '127.0.0.1', port: next() },
    });
  };
  const machine = (
    id: string,
    rack: string,
    slot: number,
    serial: number,
    extra: Record<string, unknown>,
  ): void => {
    machines.push({
      id,
      rack,
      bmc: {
        driver: 'redfish',
        scheme: 'http',
        address: '127.0.0.1',
        port: next(),
        credential: 'lab-bmc',
      },
      nics: [
        { name: 'eth0', mac: mac(0x11, serial, 0), switch: `sw-${rack}`, port: `ge-0/0/${slot}` },
        { name: 'eth1', mac: mac(0x11, serial, 1), switch: `sw-${rack}`, port: `ge-0/1/${slot}` },
      ],
      storage: { iqn: `iqn.2026-11.lab.rackshift:${id}` },
      arch: 'x86_64',
      ...extra,
    } as NonNullable<TopologyInput['sites'][number]['machines']>[number]);
  };

  for (let i = 0; i < n; i += 1) {
    const rack = lostRacks[Math.floor(i / RACK)] as string;
    const [priority, vm] = SEED_LOST[i % RACK] as readonly [1 | 2 | 3 | 4 | 5, boolean];
    const id = `m-${rack}-${pad((i % RACK) + 1, 2)}`;
    machine(id, rack, i % RACK, i, {
      cores: 16,
      memoryGiB: 64,
      pool: 'dedicated',
      occupant: `p${pad(i + 1)}`,
    });
    persona(`p${pad(i + 1)}`, i, priority, vm, id, vm);
  }
  for (let j = 0; j < working; j += 1) {
    const rack = workingRacks[Math.floor(j / RACK)] as string;
    const id = `m-${rack}-${pad((j % RACK) + 1, 2)}`;
    const kind = SEED_WORKING[j % SEED_WORKING.length]!;
    const serial = n + j;
    if (kind.pool === 'spare' && kind.hypervisor) {
      machine(id, rack, j % RACK, serial, {
        cores: 48,
        memoryGiB: 384,
        pool: 'spare',
        hypervisor: {
          address: '127.0.0.1',
          port: next(),
          credential: 'lab-hypervisor',
          hostKeyFingerprint: FINGERPRINT,
        },
      });
    } else if (kind.pool === 'spare') {
      machine(id, rack, j % RACK, serial, { cores: 16, memoryGiB: 64, pool: 'spare' });
    } else {
      const occupant = `w${pad(j + 1)}`;
      const priority = kind.pool === 'repurposable' ? kind.priority : 1;
      machine(id, rack, j % RACK, serial, {
        cores: 16,
        memoryGiB: 64,
        pool: kind.pool,
        ...(kind.pool === 'repurposable' && { priority }),
        occupant,
      });
      persona(occupant, serial, priority, false, id, false);
    }
  }
  lunsOf.get(arrays[0] as string)?.push({ id: 'vmstore-1', sizeGiB: 4000, shared: true });

  const topology: TopologyInput = {
    version: 1,
    credentials: [
      { name: 'lab-bmc', kind: 'bmc' },
      { name: 'lab-switch', kind: 'switch' },
      { name: 'lab-array', kind: 'array' },
      { name: 'lab-hypervisor', kind: 'hypervisor' },
    ],
    networks: [
      { name: 'prod-web', vlan: 110 },
      { name: 'prod-db', vlan: 120 },
      { name: 'prod-app', vlan: 130 },
      { name: 'storage', vlan: 200 },
    ],
    bootImages: [
      { name: 'rhel-9-san', kind: 'san', protocol: 'iscsi' },
      {
        name: 'kvm-host',
        kind: 'hypervisor',
        hypervisor: 'libvirt',
        kernel: 'http://127.0.0.1:8080/images/kvm-host/vmlinuz',
        cmdline: 'console=ttyS0 ip=dhcp',
      },
    ],
    sites: [
      {
        name: 'dc1',
        racks: racks.map((name) => ({ name })),
        limits: { parallelMoves: options.parallelMoves ?? Math.min(64, 8 * lostRacks.length) },
        switches,
        arrays: arrays.map((id) => ({
          id,
          kind: 'tgt' as const,
          address: '127.0.0.1',
          port: next(),
          credential: 'lab-array',
          hostKeyFingerprint: FINGERPRINT,
          portal: { address: '127.0.0.1', port: next() },
          targetIqn: `iqn.2026-11.lab.rackshift:bench-${id}`,
          luns: lunsOf.get(id) ?? [],
          maxParallel: 8,
        })),
        machines,
      },
    ],
    personas,
    clusters: [
      {
        name: 'dr-cluster',
        image: 'kvm-host',
        networks: [...NETWORKS, 'storage'],
        datastores: [{ array: arrays[0] as string, lun: 'vmstore-1' }],
      },
    ],
  };
  return { topology, lostRacks, ports: port - options.basePort };
}
