import {
  DEFAULT_HOST_OVERHEAD,
  type Cluster,
  type Topology,
} from '../../inventory/topology-schema';

/**
 * A topology from before clusters, as its runs planned it: each persona booting a hypervisor
 * image named a cluster (its NICs' networks the trunks, its LUNs the datastores; with a home,
 * serving that home's site). Only failovers started before clusters (no `cluster-hosts`
 * marker) replay with it, so their plans, and the children they start, stay the same. Their
 * topology, read back from history, was written before `clusters` existed: it may lack the key.
 */
export function withLegacyClusters(
  topology: Omit<Topology, 'clusters'> & { readonly clusters?: Topology['clusters'] },
): Topology {
  if (topology.clusters !== undefined && topology.clusters.length > 0)
    return { ...topology, clusters: topology.clusters };
  const hypervisorImages = new Set(
    topology.bootImages.filter((b) => b.kind === 'hypervisor').map((b) => b.name),
  );
  const siteOf = new Map(
    topology.sites.flatMap((s) => s.machines.map((m) => [m.id, s.name] as const)),
  );
  const clusters = topology.personas
    .filter((p) => hypervisorImages.has(p.image))
    .map((p): Cluster => {
      const home =
        p.home === undefined
          ? undefined
          : siteOf.get('machine' in p.home ? p.home.machine : p.home.host);
      return {
        name: p.name,
        image: p.image,
        networks: [...new Set(p.networks.flatMap((n) => n.networks))],
        datastores: p.luns.map((l) => ({ array: l.array, lun: l.lun })),
        ...(home !== undefined && { sites: [home] }),
        hosts: [],
        hostOverhead: { ...DEFAULT_HOST_OVERHEAD },
      };
    });
  return { ...topology, clusters };
}
