import { parseTopology } from '../../inventory/load-topology';
import type { Arch, Topology } from '../../inventory/topology-schema';
import {
  plannerInputSchema,
  type PlannerInput,
  type PlannerInputRaw,
} from '../../domain/planner/planner-input';

/**
 * Compact machine and persona specs for planner tests; everything else a topology needs is filled
 * in.
 */
export interface MachineSpec {
  id: string;
  site?: string;
  rack?: string;
  arch?: Arch;
  cores: number;
  memoryGiB: number;
  pool: 'spare' | 'repurposable' | 'dedicated';
  priority?: number;
  occupant?: string;
  /** Has a hypervisor endpoint, so it may become a new host; true unless told. */
  canHost?: boolean;
}

export interface PersonaSpec {
  name: string;
  priority: number;
  arch?: Arch;
  cores: number;
  memoryGiB: number;
  vmAllowed?: boolean;
  home?: { machine: string } | { host: string; vm: true };
}

export interface TopologySpec {
  machines: MachineSpec[];
  personas: PersonaSpec[];
  /** Hypervisor boot images to declare; one (`kvm-host`) unless told. */
  hypervisorImages?: string[];
  /**
   * Declare the cluster new hosts join (`zz-cluster`, booting the first hypervisor image); true
   * unless told.
   */
  cluster?: boolean;
  /** The cluster's hostOverhead; the schema's default unless told. */
  hostOverhead?: { cores: number; memoryGiB: number };
  /** Further clusters, beside zz-cluster (same image and network). */
  moreClusters?: Array<{ name: string; sites?: string[] }>;
}

const hex = (n: number): string => n.toString(16).padStart(2, '0');

export function buildTopology(spec: TopologySpec): Topology {
  const siteNames = [...new Set(spec.machines.map((m) => m.site ?? 'dc1'))].sort();
  if (siteNames.length === 0) siteNames.push('dc1');
  const sites = siteNames.map((name, s) => {
    const machines = spec.machines.filter((m) => (m.site ?? 'dc1') === name);
    const racks = [...new Set(['r1', ...machines.map((m) => m.rack ?? 'r1')])];
    return {
      name,
      racks: racks.map((r) => ({ name: r })),
      switches: [
        {
          id: `sw-${name}`,
          vendor: 'cisco-ios',
          address: '127.0.0.1',
          port: 20000 + s,
          credential: 'lab-switch',
          hostKeyFingerprint: 'SHA256:Hqo6iFK/Ohi1BUKQLyRqVYRcy0jxpOyWEwedfq6fM6I',
        },
      ],
      machines: machines.map((m) => {
        const n = spec.machines.indexOf(m);
        return {
          id: m.id,
          rack: m.rack ?? 'r1',
          bmc: { driver: 'ipmi', address: '127.0.0.1', port: 30000 + n, credential: 'lab-bmc' },
          nics: [
            {
              name: 'eth0',
              mac: `52:54:00:ee:${hex(n >> 8)}:${hex(n & 255)}`,
              switch: `sw-${name}`,
              port: `GigabitEthernet1/0/${n + 1}`,
            },
          ],
          arch: m.arch ?? 'x86_64',
          cores: m.cores,
          memoryGiB: m.memoryGiB,
          pool: m.pool,
          ...(m.pool === 'repurposable' ? { priority: m.priority ?? 5 } : {}),
          ...(m.occupant !== undefined ? { occupant: m.occupant } : {}),
          ...(m.canHost !== false
            ? {
                storage: { iqn: `iqn.2026-01.test:${m.id}` },
                hypervisor: {
                  address: '127.0.0.1',
                  port: 40000 + n,
                  credential: 'lab-hypervisor',
                  hostKeyFingerprint: 'SHA256:Hqo6iFK/Ohi1BUKQLyRqVYRcy0jxpOyWEwedfq6fM6I',
                },
              }
            : {}),
        };
      }),
    };
  });
  return parseTopology(
    {
      version: 1,
      credentials: [{ name: 'lab-bmc' }, { name: 'lab-switch' }, { name: 'lab-hypervisor' }],
      networks: [{ name: 'vm-net', vlan: 100 }],
      bootImages: [
        { name: 'pxe-img', kind: 'pxe', kernel: 'http://127.0.0.1:8080/vmlinuz' },
        ...(spec.hypervisorImages ?? ['kvm-host']).map((name) => ({
          name,
          kind: 'hypervisor',
          kernel: 'http://127.0.0.1:8080/kvm/vmlinuz',
        })),
      ],
      sites,
      personas: [
        ...spec.personas.map((p) => ({
          name: p.name,
          image: 'pxe-img',
          requirements: { arch: p.arch ?? 'x86_64', cores: p.cores, memoryGiB: p.memoryGiB },
          priority: p.priority,
          vmAllowed: p.vmAllowed ?? false,
          ...(p.home !== undefined ? { home: p.home } : {}),
        })),
      ],
      // The cluster new hosts join (it serves every site); machines VM personas call home rest as
      // its hosts.
      clusters:
        spec.cluster === false || (spec.hypervisorImages ?? ['kvm-host']).length === 0
          ? []
          : [
              {
                name: 'zz-cluster',
                image: (spec.hypervisorImages ?? ['kvm-host'])[0],
                networks: ['vm-net'],
                hosts: [
                  ...new Set(
                    spec.personas.flatMap((p) =>
                      p.home !== undefined && 'host' in p.home ? [p.home.host] : [],
                    ),
                  ),
                ].sort(),
                ...(spec.hostOverhead && { hostOverhead: spec.hostOverhead }),
              },
              ...(spec.moreClusters ?? []).map((c) => ({
                name: c.name,
                image: (spec.hypervisorImages ?? ['kvm-host'])[0],
                networks: ['vm-net'],
                ...(c.sites && { sites: c.sites }),
              })),
            ],
    },
    'planner-fixture',
  );
}

/**
 * A parsed planner input: the topology from `spec`, the rest as given (defaults filled by the
 * schema).
 */
export function plannerInput(
  spec: TopologySpec,
  rest: Omit<PlannerInputRaw, 'topology'>,
): PlannerInput {
  return plannerInputSchema.parse({ ...rest, topology: buildTopology(spec) });
}
