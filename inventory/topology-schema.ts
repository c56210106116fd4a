import { z } from 'zod';
import {
  bootServerSchema,
  bootUrlSchema,
  certFingerprintSchema,
  cmdlineSchema,
  DRILL_CLONE_ID_PATTERN,
  hostSchema,
  idSchema,
  iqnSchema,
  macSchema,
  portNameSchema,
  sshFingerprintSchema,
  tcpPortSchema,
  vlanSchema,
  wwpnSchema,
} from './patterns';

/**
 * The static truth of one or more sites. Every later runbook reads only this shape, so it
 * is complete even where behaviour comes later. Pure: safe to import in workflow code.
 */

export const prioritySchema = z
  .number()
  .int()
  .min(1, 'priority must be 1 (highest) … 5')
  .max(5, 'priority must be 1 (highest) … 5');

/**
 * A secret is named, never written here: resolved at call time from the environment or a 0600 file.
 */
export const credentialSchema = z.strictObject({
  name: idSchema,
  kind: z.enum(['bmc', 'switch', 'array', 'fabric', 'hypervisor', 'chap']).optional(),
  description: z.string().max(200).optional(),
});

export const networkSchema = z.strictObject({
  name: idSchema,
  vlan: vlanSchema,
  description: z.string().max(200).optional(),
  /**
   * A drill's bubble network: defined on the switches ahead of time, routed nowhere. Only DR
   * drills put it on ports, in place of a production network; it is never production.
   */
  isolated: z.boolean().default(false),
  /**
   * The VLAN id this network has at a site where it differs from `vlan` (site name → VLAN): a
   * restore at that site puts this id on the ports.
   */
  siteVlans: z.record(idSchema, vlanSchema).optional(),
});

export const lunRefSchema = z.strictObject({ array: idSchema, lun: idSchema });

/**
 * Site name → the boot server that serves this image's kernel and initrd there (the URLs' origin
 * is replaced, their paths kept); sites not named use the URLs as written.
 */
const bootServersSchema = z.record(idSchema, bootServerSchema).optional();

export const bootImageSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    name: idSchema,
    kind: z.literal('pxe'),
    kernel: bootUrlSchema,
    initrd: bootUrlSchema.optional(),
    cmdline: cmdlineSchema.default(''),
    servers: bootServersSchema,
  }),
  z.strictObject({
    name: idSchema,
    kind: z.literal('san'),
    /** The boot LUN is the persona's LUN marked `boot: true`; the image says the protocol. */
    protocol: z.enum(['iscsi', 'fc']).default('iscsi'),
  }),
  z.strictObject({
    name: idSchema,
    kind: z.literal('hypervisor'),
    hypervisor: z.enum(['libvirt']).default('libvirt'),
    kernel: bootUrlSchema,
    initrd: bootUrlSchema.optional(),
    cmdline: cmdlineSchema.default(''),
    servers: bootServersSchema,
  }),
]);

export const tlsSchema = z
  .strictObject({
    /** PEM file of the CA that signed the BMC's certificate. */
    caFile: z.string().min(1).optional(),
    /** SHA-256 fingerprint of the BMC's certificate itself. */
    fingerprint: certFingerprintSchema.optional(),
    /** Accept any certificate. Refused together with caFile or fingerprint. */
    insecure: z.boolean().default(false),
  })
  .refine((t) => !(t.insecure && (t.caFile || t.fingerprint)), {
    message: 'insecure conflicts with caFile/fingerprint: choose one way to trust the BMC',
    path: ['insecure'],
  });

/** An IPMI 2.0 RMCP+ cipher suite id (IPMI 2.0 table 22-20 defines 0–19; ipmitool knows 0–17). */
const cipherSuiteSchema = z.number().int().min(0).max(17);

/** The BMC kinds; each is one member of bmcSchema (and one case where power drivers are made). */
export const bmcDriverSchema = z.enum(['ipmi', 'redfish']);

export const bmcSchema = z.discriminatedUnion('driver', [
  z.strictObject({
    driver: z.literal(bmcDriverSchema.enum.ipmi),
    address: hostSchema,
    port: tcpPortSchema.default(623),
    credential: idSchema,
    /**
     * ipmitool -C cipher suites to try, best first (default 17, 3; see
     * drivers/power/ipmi-cipher-suites).
     */
    cipherSuites: z
      .array(cipherSuiteSchema)
      .min(1)
      .max(8)
      .refine((l) => new Set(l).size === l.length, 'lists a cipher suite twice')
      .optional(),
    /** The older single-suite form, still accepted: the same as `cipherSuites: [n]`. */
    cipherSuite: cipherSuiteSchema.optional(),
  }),
  z.strictObject({
    driver: z.literal(bmcDriverSchema.enum.redfish),
    address: hostSchema,
    port: tcpPortSchema.default(443),
    credential: idSchema,
    scheme: z.enum(['https', 'http']).default('https'),
    /** Redfish ComputerSystem id; discovered from /redfish/v1/Systems when absent. */
    systemId: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be letters, digits, ".", "_" or "-"')
      .optional(),
    tls: tlsSchema.optional(),
  }),
]);

export const nicSchema = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9]{0,14}$/, 'must be an interface name like eth0 or ens1f0'),
  mac: macSchema,
  switch: idSchema,
  port: portNameSchema,
  /**
   * The address this NIC's DHCP reservation gives it on the provisioning network. When set, the
   * boot script of this MAC (which names the persona's SAN target) is served to it alone.
   */
  bootAddress: z
    .union([z.ipv4(), z.ipv6()], { error: 'must be an IPv4 or IPv6 address' })
    .optional(),
});

/** A host bridge name (Linux limits interface names to 15 characters). */
export const bridgeNameSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9_-]{1,15}$/,
    'must be a bridge name like br-trunk (letters, digits, "_", "-", at most 15)',
  );

/**
 * How rackshift reaches a machine once it runs a hypervisor image: SSH to this address, where
 * `virsh` answers. `bridge` is the host's Open vSwitch bridge that its trunked uplinks join
 * and its VMs' NICs attach to. Optional: only machines that may become hypervisor hosts have it.
 */
export const hypervisorEndpointSchema = z.strictObject({
  address: hostSchema,
  port: tcpPortSchema.default(22),
  credential: idSchema,
  hostKeyFingerprint: sshFingerprintSchema,
  bridge: bridgeNameSchema.default('br-trunk'),
});

export const archSchema = z.enum(['x86_64', 'aarch64', 'ppc64le', 's390x']);
export const poolSchema = z.enum(['spare', 'repurposable', 'dedicated']);

export const machineSchema = z
  .strictObject({
    id: idSchema,
    rack: idSchema,
    bmc: bmcSchema,
    nics: z.array(nicSchema).min(1, 'a machine needs at least one NIC'),
    storage: z
      .strictObject({
        iqn: iqnSchema.optional(),
        wwpns: z.array(wwpnSchema).default([]),
      })
      .default({ wwpns: [] }),
    arch: archSchema,
    cores: z.number().int().min(1).max(4096),
    memoryGiB: z.number().int().min(1).max(65536),
    pool: poolSchema,
    /**
     * For a repurposable machine: the priority of the low-priority work it runs (5 is the most
     * evictable).
     */
    priority: prioritySchema.optional(),
    /** The persona it runs at rest, if any (its low-priority occupant, or a dedicated one). */
    occupant: idSchema.optional(),
    /** Per-BMC concurrency limit used by failover (default 1: BMCs dislike parallel sessions). */
    maxParallel: z.number().int().min(1).max(64).default(1),
    hypervisor: hypervisorEndpointSchema.optional(),
  })
  .refine(
    (m) =>
      m.bmc.driver !== 'ipmi' ||
      m.bmc.cipherSuite === undefined ||
      m.bmc.cipherSuites === undefined,
    {
      message: 'cipherSuites conflicts with cipherSuite: give the list only',
      path: ['bmc', 'cipherSuites'],
    },
  )
  .refine((m) => m.pool !== 'repurposable' || m.priority !== undefined, {
    message: 'a repurposable machine needs a priority (1–5) saying how important its occupant is',
    path: ['priority'],
  });

export const switchVendorSchema = z.enum([
  'cisco-ios',
  'arista-eos',
  'junos',
  'dell-os10',
  'cumulus-nvue',
  'sonic',
  'ovs',
]);

export const switchSchema = z.strictObject({
  id: idSchema,
  vendor: switchVendorSchema,
  address: hostSchema,
  port: tcpPortSchema.default(22),
  credential: idSchema,
  hostKeyFingerprint: sshFingerprintSchema,
  /** Concurrent SSH sessions the switch tolerates; most misbehave with more than one. */
  sessionLimit: z.number().int().min(1).max(16).default(1),
  /** For ovs: the bridge whose ports are managed. */
  bridge: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,15}$/, 'must be a bridge name like br0')
    .optional(),
  rack: idSchema.optional(),
  /**
   * Moves a failover runs at once through this switch (their port changes are batched into its
   * sessions).
   */
  maxParallel: z.number().int().min(1).max(64).default(8),
});

export const lunSchema = z.strictObject({
  /**
   * Ids shaped like a drill clone (`<lun>.drill-<6 hex>`) are reserved for the clones DR drills
   * make.
   */
  id: idSchema.refine(
    (id) => !DRILL_CLONE_ID_PATTERN.test(id),
    'ends in ".drill-<6 hex digits>", which is reserved for DR drill snapshot clones',
  ),
  sizeGiB: z.number().int().min(1).max(1048576),
  /** Shared LUNs (cluster datastores) may be masked to several initiators; others never. */
  shared: z.boolean().default(false),
  /** Backing path on the array (tgt/LIO backing store); defaults per driver. */
  backing: z
    .string()
    .regex(/^[A-Za-z0-9/._-]{1,255}$/, 'must be a path of letters, digits, "/", ".", "_" or "-"')
    .optional(),
});

export const arraySchema = z.strictObject({
  id: idSchema,
  kind: z.enum(['tgt', 'lio']),
  address: hostSchema,
  port: tcpPortSchema.default(22),
  credential: idSchema,
  hostKeyFingerprint: sshFingerprintSchema,
  /** Where initiators log in: host:port of the iSCSI portal. */
  portal: z.strictObject({ address: hostSchema, port: tcpPortSchema.default(3260) }),
  targetIqn: iqnSchema,
  luns: z.array(lunSchema).default([]),
  maxParallel: z.number().int().min(1).max(64).default(4),
  rack: idSchema.optional(),
  /**
   * FC access to the array's LUNs: the fabric (of the same site) its target ports log in to,
   * and those ports' WWPNs. A machine with `storage.wwpns` reaches a LUN of this array when the
   * fabric zones it with these ports; runbooks zone and unzone it beside the iSCSI mask.
   */
  fc: z
    .strictObject({
      fabric: idSchema,
      targetWwpns: z.array(wwpnSchema).min(1, 'an FC array needs at least one target port WWPN'),
    })
    .optional(),
});

export const fabricSchema = z.strictObject({
  id: idSchema,
  vendor: z.enum(['brocade']),
  address: hostSchema,
  port: tcpPortSchema.default(22),
  credential: idSchema,
  hostKeyFingerprint: sshFingerprintSchema,
  /** The zoning configuration that is enabled on this fabric. */
  zoneConfig: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'must be a Brocade name (letters, digits, "_")'),
});

export const rackSchema = z.strictObject({
  name: idSchema,
  description: z.string().max(200).optional(),
});

export const siteSchema = z.strictObject({
  name: idSchema,
  racks: z.array(rackSchema).min(1, 'a site needs at least one rack'),
  machines: z.array(machineSchema).default([]),
  switches: z.array(switchSchema).default([]),
  arrays: z.array(arraySchema).default([]),
  fabrics: z.array(fabricSchema).default([]),
  /** Overall concurrency of a failover into this site. */
  limits: z
    .strictObject({ parallelMoves: z.number().int().min(1).max(256).default(8) })
    .default({ parallelMoves: 8 }),
});

/** What a persona's NIC carries: one network → access port; several → trunk (a hypervisor's). */
export const personaNicSchema = z.strictObject({
  nic: z.number().int().min(0).max(15),
  networks: z.array(idSchema).min(1, 'a NIC carries at least one network'),
  /** The MAC this persona presents as a VM (P2V keeps the identity); optional for physical. */
  mac: macSchema.optional(),
});

export const personaLunSchema = z.strictObject({
  array: idSchema,
  lun: idSchema,
  boot: z.boolean().default(false),
});

/** How to tell that a persona is up: probed at its service address wherever it runs. */
export const healthCheckSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('http'),
    host: hostSchema,
    port: tcpPortSchema,
    path: z
      .string()
      .regex(/^\/[A-Za-z0-9._~/-]*$/, 'must be a URL path like /healthz')
      .default('/healthz'),
  }),
  z.strictObject({ kind: z.literal('tcp'), host: hostSchema, port: tcpPortSchema }),
  z.strictObject({ kind: z.literal('ssh'), host: hostSchema, port: tcpPortSchema.default(22) }),
]);

export const homePlacementSchema = z.union([
  z.strictObject({ machine: idSchema }),
  z.strictObject({ host: idSchema, vm: z.literal(true) }),
]);

export const personaSchema = z.strictObject({
  name: idSchema,
  image: idSchema,
  networks: z.array(personaNicSchema).default([]),
  luns: z.array(personaLunSchema).default([]),
  requirements: z.strictObject({
    arch: archSchema,
    cores: z.number().int().min(1).max(4096),
    memoryGiB: z.number().int().min(1).max(65536),
  }),
  priority: prioritySchema,
  vmAllowed: z.boolean().default(false),
  home: homePlacementSchema.optional(),
  health: healthCheckSchema.optional(),
  /**
   * The credential (username = CHAP user, password = CHAP secret) its iSCSI LUNs demand at
   * login: the arrays bind it to each LUN's target, and the boot script hands it to iPXE only
   * when served to a NIC's bootAddress. Resolved at call time, never in history.
   */
  chap: idSchema.optional(),
});

/** What a hypervisor host keeps for itself (its OS, libvirt, the VMs' overhead) before any VM. */
export const DEFAULT_HOST_OVERHEAD = Object.freeze({ cores: 2, memoryGiB: 8 });
export const hostOverheadSchema = z.strictObject({
  cores: z.number().int().min(0).max(4096),
  memoryGiB: z.number().int().min(0).max(65536),
});

/**
 * A hypervisor cluster: many hosts, each its own identity (its machine: id, `storage.iqn`,
 * `hypervisor.address`), all booting `image`, carrying every one of `networks` as a VLAN trunk
 * on each NIC (the bridge its VMs attach to) and seeing the shared `datastores`. `hosts` are the
 * machines that run as its hosts at rest (the topology's resting state, like a persona's home);
 * any other machine with a hypervisor endpoint in a served site that is not dedicated may
 * become a new host.
 */
export const clusterSchema = z.strictObject({
  name: idSchema,
  /** A boot image of kind hypervisor. */
  image: idSchema,
  networks: z.array(idSchema).min(1, 'a cluster trunks at least one network to its hosts'),
  datastores: z.array(lunRefSchema).default([]),
  /** The sites whose machines may be its hosts; every site when absent. */
  sites: z.array(idSchema).min(1).optional(),
  hosts: z.array(idSchema).default([]),
  hostOverhead: hostOverheadSchema.default({ ...DEFAULT_HOST_OVERHEAD }),
  description: z.string().max(200).optional(),
});

/**
 * A LUN (`source`) copied to a LUN of an array at another site (`replica`, declared in that
 * array's `luns` too, of the same size). `direction` says which side is primary (read-write) at
 * rest; the other is read-only until promoted. `sync` acknowledges a write once both sides hold
 * it; `async` lets the replica lag, by at most `rpoSeconds`.
 */
export const replicationSchema = z
  .strictObject({
    source: lunRefSchema,
    replica: lunRefSchema,
    mode: z.enum(['sync', 'async']),
    rpoSeconds: z
      .number()
      .int()
      .min(1, 'RPO must be 1–86400 s')
      .max(86400, 'RPO must be 1–86400 s')
      .optional(),
    direction: z.enum(['source-to-replica', 'replica-to-source']).default('source-to-replica'),
  })
  .refine((r) => r.mode !== 'async' || r.rpoSeconds !== undefined, {
    message: 'an async replica needs rpoSeconds: how far it may lag behind its source',
    path: ['rpoSeconds'],
  })
  .refine((r) => r.mode !== 'sync' || r.rpoSeconds === undefined, {
    message: 'a sync replica never lags (RPO 0): rpoSeconds applies to mode async only',
    path: ['rpoSeconds'],
  });

export const topologySchema = z.strictObject({
  version: z.literal(1),
  credentials: z.array(credentialSchema).default([]),
  networks: z.array(networkSchema).default([]),
  bootImages: z.array(bootImageSchema).default([]),
  sites: z.array(siteSchema).min(1, 'a topology needs at least one site'),
  personas: z.array(personaSchema).default([]),
  clusters: z.array(clusterSchema).default([]),
  replication: z.array(replicationSchema).default([]),
});

export type Topology = z.output<typeof topologySchema>;
export type TopologyInput = z.input<typeof topologySchema>;
export type Site = z.output<typeof siteSchema>;
export type Machine = z.output<typeof machineSchema>;
export type Bmc = z.output<typeof bmcSchema>;
export type IpmiBmc = Extract<Bmc, { driver: 'ipmi' }>;
export type RedfishBmc = Extract<Bmc, { driver: 'redfish' }>;
export type HypervisorEndpoint = z.output<typeof hypervisorEndpointSchema>;
export type Switch = z.output<typeof switchSchema>;
export type SwitchVendor = z.output<typeof switchVendorSchema>;
export type StorageArray = z.output<typeof arraySchema>;
export type Lun = z.output<typeof lunSchema>;
export type Fabric = z.output<typeof fabricSchema>;
export type Network = z.output<typeof networkSchema>;
export type BootImage = z.output<typeof bootImageSchema>;
export type Persona = z.output<typeof personaSchema>;
export type Cluster = z.output<typeof clusterSchema>;
export type HostOverhead = z.output<typeof hostOverheadSchema>;
export type Replication = z.output<typeof replicationSchema>;
export type HealthCheck = z.output<typeof healthCheckSchema>;
export type Arch = z.output<typeof archSchema>;
export type Pool = z.output<typeof poolSchema>;
