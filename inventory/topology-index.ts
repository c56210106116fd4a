import { NotFoundError } from '../common/errors';
import { hostProfile } from './hypervisor-cluster';
import type {
  BootImage,
  Cluster,
  Machine,
  Network,
  Persona,
  Replication,
  Site,
  StorageArray,
  Switch,
  Topology,
  Fabric,
} from './topology-schema';

export interface Located<T> {
  readonly site: Site;
  readonly item: T;
}

/** Lookups by id over a validated topology; throws NotFoundError for unknown names. */
export class TopologyIndex {
  private readonly machines = new Map<string, Located<Machine>>();
  private readonly switches = new Map<string, Located<Switch>>();
  private readonly arrays = new Map<string, Located<StorageArray>>();
  private readonly fabrics = new Map<string, Located<Fabric>>();
  private readonly macs = new Map<string, Located<Machine>>();
  private readonly personas: Map<string, Persona>;
  private readonly clusters: Map<string, Cluster>;
  private readonly networks: Map<string, Network>;
  private readonly images: Map<string, BootImage>;
  private readonly sites: Map<string, Site>;

  constructor(readonly topology: Topology) {
    this.personas = new Map(topology.personas.map((p) => [p.name, p]));
    this.clusters = new Map(topology.clusters.map((c) => [c.name, c]));
    this.networks = new Map(topology.networks.map((n) => [n.name, n]));
    this.images = new Map(topology.bootImages.map((b) => [b.name, b]));
    this.sites = new Map(topology.sites.map((s) => [s.name, s]));
    for (const site of topology.sites) {
      for (const m of site.machines) {
        this.machines.set(m.id, { site, item: m });
        for (const n of m.nics) this.macs.set(n.mac, { site, item: m });
      }
      for (const w of site.switches) this.switches.set(w.id, { site, item: w });
      for (const a of site.arrays) this.arrays.set(a.id, { site, item: a });
      for (const f of site.fabrics) this.fabrics.set(f.id, { site, item: f });
    }
  }

  private static get<T>(map: Map<string, T>, kind: string, id: string): T {
    const found = map.get(id);
    if (found === undefined) throw new NotFoundError(kind, id);
    return found;
  }

  machine(id: string): Machine {
    return TopologyIndex.get(this.machines, 'machine', id).item;
  }
  machineSite(id: string): Site {
    return TopologyIndex.get(this.machines, 'machine', id).site;
  }
  switch(id: string): Switch {
    return TopologyIndex.get(this.switches, 'switch', id).item;
  }
  array(id: string): StorageArray {
    return TopologyIndex.get(this.arrays, 'array', id).item;
  }
  fabric(id: string): Fabric {
    return TopologyIndex.get(this.fabrics, 'fabric', id).item;
  }
  persona(name: string): Persona {
    return TopologyIndex.get(this.personas, 'persona', name);
  }
  cluster(name: string): Cluster {
    return TopologyIndex.get(this.clusters, 'cluster', name);
  }
  hasCluster(name: string): boolean {
    return this.clusters.has(name);
  }
  /**
   * What a boot assignment names: a persona, or a cluster whose host `machine` becomes (its host
   * profile).
   */
  bootSubject(name: string, machine: string): Persona {
    const cluster = this.clusters.get(name);
    return cluster === undefined ? this.persona(name) : hostProfile(cluster, this.machine(machine));
  }
  network(name: string): Network {
    return TopologyIndex.get(this.networks, 'network', name);
  }
  /** The VLAN id `name` has at `site` (its site override, else its one id). */
  networkVlan(name: string, site: string): number {
    const n = this.network(name);
    return n.siteVlans?.[site] ?? n.vlan;
  }
  switchSite(id: string): Site {
    return TopologyIndex.get(this.switches, 'switch', id).site;
  }
  arraySite(id: string): Site {
    return TopologyIndex.get(this.arrays, 'array', id).site;
  }
  /**
   * The persona as it runs at `site`: each LUN on an array elsewhere that has a replica at `site`
   * becomes that replica (a restore there uses the site's own arrays); the rest stay as they are.
   */
  personaAt(persona: Persona, site: string): Persona {
    const luns = persona.luns.map((l) => {
      if (this.arraySite(l.array).name === site) return l;
      const r = this.replicationOf(l.array, l.lun);
      const other = r === undefined ? undefined : r.source.array === l.array ? r.replica : r.source;
      return other !== undefined && this.arraySite(other.array).name === site
        ? { ...l, array: other.array, lun: other.lun }
        : l;
    });
    return luns.every((l, i) => l === persona.luns[i]) ? persona : { ...persona, luns };
  }
  /** The boot image as `site` serves it: kernel and initrd from the site's boot server. */
  bootImageAt(name: string, site: string): BootImage {
    const image = this.bootImage(name);
    const server = image.kind === 'san' ? undefined : image.servers?.[site];
    if (image.kind === 'san' || server === undefined) return image;
    const moved = (url: string): string => `${server}${new URL(url).pathname}`;
    return {
      ...image,
      kernel: moved(image.kernel),
      ...(image.initrd !== undefined && { initrd: moved(image.initrd) }),
    };
  }
  /** The replication whose source or replica is `lun` on `array`, if any. */
  replicationOf(array: string, lun: string): Replication | undefined {
    const is = (r: { array: string; lun: string }): boolean => r.array === array && r.lun === lun;
    return this.topology.replication.find((r) => is(r.source) || is(r.replica));
  }
  bootImage(name: string): BootImage {
    return TopologyIndex.get(this.images, 'boot image', name);
  }
  site(name: string): Site {
    return TopologyIndex.get(this.sites, 'site', name);
  }
  machineByMac(mac: string): Machine | undefined {
    return this.macs.get(mac.toLowerCase())?.item;
  }
  hasMachine(id: string): boolean {
    return this.machines.has(id);
  }
  allMachines(): Machine[] {
    return [...this.machines.values()].map((l) => l.item);
  }
}
