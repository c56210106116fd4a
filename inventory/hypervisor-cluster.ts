import type { FieldIssue } from '../common/errors';
import type { TopologyIndex } from './topology-index';
import type { Cluster, HostOverhead, Machine, Persona, Topology } from './topology-schema';

/**
 * A hypervisor cluster (topology `clusters:`) has many hosts, each a machine with its own
 * identity, all sharing the cluster's networks, datastores and image. Pure, so the API (400
 * before a run starts), the activities (again, inside the run), the planner (inside workflow
 * code) and the lab decide alike.
 */
export type ClusterChoice =
  | { readonly cluster: string; readonly site: string }
  | { readonly issues: readonly FieldIssue[] };

export function clusterServes(c: Cluster, site: string): boolean {
  return c.sites === undefined || c.sites.includes(site);
}

/** The cluster `machine` is a host of at rest (listed in its `hosts`), if any. */
export function restingClusterOf(topology: Topology, machine: string): Cluster | undefined {
  return topology.clusters.find((c) => c.hosts.includes(machine));
}

/**
 * The cluster a host in `site` joins: `wanted` when it serves the site; else the one the
 * machine rests in; else the only one serving the site. `path` names the input field.
 */
export function clusterForSite(
  topology: Topology,
  site: string,
  wanted: string | undefined,
  path: string,
  machine?: string,
): { cluster: Cluster } | { issues: FieldIssue[] } {
  if (wanted !== undefined) {
    const c = topology.clusters.find((x) => x.name === wanted);
    if (c === undefined)
      return {
        issues: [{ path, message: `unknown cluster "${wanted}" (declare it under clusters)` }],
      };
    if (!clusterServes(c, site))
      return {
        issues: [
          {
            path,
            message: `cluster ${wanted} does not serve site ${site} (its sites: ${c.sites?.join(', ')})`,
          },
        ],
      };
    return { cluster: c };
  }
  const resting = machine === undefined ? undefined : restingClusterOf(topology, machine);
  if (resting !== undefined) return { cluster: resting };
  const fitting = topology.clusters.filter((c) => clusterServes(c, site));
  if (fitting.length === 0)
    return {
      issues: [{ path, message: `no cluster serves site ${site}: declare one under clusters` }],
    };
  if (fitting.length > 1)
    return {
      issues: [
        {
          path,
          message: `site ${site} has several clusters (${fitting
            .map((c) => c.name)
            .sort()
            .join(', ')}): name one in ${path}`,
        },
      ],
    };
  return { cluster: fitting[0]! };
}

/**
 * The cluster `machine` should host: `cluster` when given and fit, else its resting cluster, else
 * the only one serving its site.
 */
export function chooseCluster(
  topology: TopologyIndex,
  machineId: string,
  cluster: string | undefined,
): ClusterChoice {
  if (!topology.hasMachine(machineId))
    return { issues: [{ path: 'input.machine', message: `unknown machine "${machineId}"` }] };
  const machine = topology.machine(machineId);
  const site = topology.machineSite(machineId).name;
  const issues: FieldIssue[] = [];
  if (machine.hypervisor === undefined) {
    issues.push({
      path: 'input.machine',
      message: `machine ${machineId} has no hypervisor endpoint (a "hypervisor" block saying where virsh answers over SSH), so it cannot be a hypervisor host`,
    });
  }
  const found = clusterForSite(topology.topology, site, cluster, 'input.cluster', machineId);
  if ('issues' in found) issues.push(...found.issues);
  return issues.length > 0 || 'issues' in found
    ? { issues }
    : { cluster: found.cluster.name, site };
}

/** What a host keeps for itself: its cluster's `hostOverhead` (the schema holds the default). */
export function hostOverheadOf(
  topology: Topology,
  cluster: string | undefined,
): HostOverhead | undefined {
  return topology.clusters.find((c) => c.name === cluster)?.hostOverhead;
}

/**
 * What a host of `cluster` runs on `machine`, in the shape a persona's boot is planned and
 * checked in: every NIC carries all the cluster's networks, the datastores are its LUNs, the
 * cluster's image is what it boots. Its name is the cluster's (boot assignments name it), and
 * a resting host has its machine as home.
 */
export function hostProfile(cluster: Cluster, machine: Machine): Persona {
  return {
    name: cluster.name,
    image: cluster.image,
    networks: machine.nics.map((_, nic) => ({ nic, networks: [...cluster.networks] })),
    luns: cluster.datastores.map((d) => ({ array: d.array, lun: d.lun, boot: false })),
    requirements: {
      arch: machine.arch,
      cores: cluster.hostOverhead.cores || 1,
      memoryGiB: cluster.hostOverhead.memoryGiB || 1,
    },
    // A host carries many VMs: only an occupant of priority 1 outranks it.
    priority: 1,
    vmAllowed: false,
    // A resting host is at home on its machine, so a dedicated one may be brought up again.
    ...(cluster.hosts.includes(machine.id) && { home: { machine: machine.id } }),
  };
}

/**
 * Whether `machine` runs as a hypervisor host now, and of which cluster: the ledger's record
 * when there is one (role hypervisor; its cluster, else the one it rests in), else the
 * topology's resting state (a cluster's `hosts`). One rule for every reader of "is it a host".
 */
export function hostNow(
  topology: Topology,
  machine: string,
  record: { readonly role: string; readonly cluster?: string } | undefined,
): { readonly host: boolean; readonly cluster?: Cluster } {
  const resting = restingClusterOf(topology, machine);
  if (record === undefined)
    return resting === undefined ? { host: false } : { host: true, cluster: resting };
  if (record.role !== 'hypervisor') return { host: false };
  const cluster = topology.clusters.find((c) => c.name === record.cluster) ?? resting;
  return cluster === undefined ? { host: true } : { host: true, cluster };
}
