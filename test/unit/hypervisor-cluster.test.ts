import { chooseCluster, hostNow, hostProfile } from '../../inventory/hypervisor-cluster';
import { parseTopology } from '../../inventory/load-topology';
import { TopologyIndex } from '../../inventory/topology-index';
import type { Cluster, Topology, TopologyInput } from '../../inventory/topology-schema';
import { labSmall } from '../support/lab-fixtures';

let topology: Topology;

beforeAll(async () => {
  topology = await labSmall();
});

const clusterA = (): Cluster => topology.clusters.find((c) => c.name === 'cluster-a')!;
const withClusters = (extra: Cluster[]): TopologyIndex =>
  new TopologyIndex({ ...topology, clusters: [...topology.clusters, ...extra] });
/** lab-small as input again, changed by `edit`, then validated: the issues it raises. */
const issuesOf = (edit: (t: TopologyInput) => void): string[] => {
  const raw = JSON.parse(JSON.stringify(topology)) as TopologyInput;
  edit(raw);
  try {
    parseTopology(raw, 'edited');
    return [];
  } catch (e) {
    return (e as { issues: Array<{ path: string; message: string }> }).issues.map(
      (i) => `${i.path}: ${i.message}`,
    );
  }
};

describe('chooseCluster (a cluster is a topology clusters: entry with many hosts)', () => {
  it('defaults to the only cluster serving the machine’s site', () => {
    expect(chooseCluster(new TopologyIndex(topology), 'm-r2-03', undefined)).toEqual({
      cluster: 'cluster-a',
      site: 'dc1',
    });
    expect(chooseCluster(new TopologyIndex(topology), 'm-r2-02', 'cluster-a')).toEqual({
      cluster: 'cluster-a',
      site: 'dc1',
    });
  });

  it('refuses a machine without a hypervisor endpoint, an unknown machine, an unknown cluster', () => {
    expect(chooseCluster(new TopologyIndex(topology), 'm-r1-03', undefined)).toEqual({
      issues: [
        {
          path: 'input.machine',
          message: expect.stringContaining('m-r1-03 has no hypervisor endpoint'),
        },
      ],
    });
    expect(chooseCluster(new TopologyIndex(topology), 'm-nope', undefined)).toEqual({
      issues: [{ path: 'input.machine', message: 'unknown machine "m-nope"' }],
    });
    expect(chooseCluster(new TopologyIndex(topology), 'm-r2-03', 'web-01')).toEqual({
      issues: [
        { path: 'input.cluster', message: 'unknown cluster "web-01" (declare it under clusters)' },
      ],
    });
  });

  it('asks for input.cluster when several clusters serve the site, naming them; a named one is taken', () => {
    const index = withClusters([{ ...clusterA(), name: 'cluster-b' }]);
    expect(chooseCluster(index, 'm-r2-03', undefined)).toEqual({
      issues: [
        {
          path: 'input.cluster',
          message:
            'site dc1 has several clusters (cluster-a, cluster-b): name one in input.cluster',
        },
      ],
    });
    expect(chooseCluster(index, 'm-r2-03', 'cluster-b')).toEqual({
      cluster: 'cluster-b',
      site: 'dc1',
    });
  });

  it('a machine resting as a host of one cluster joins that one without a name; a cluster serving other sites is refused', () => {
    const index = withClusters([
      { ...clusterA(), name: 'cluster-b', hosts: ['m-r2-02'] },
      { ...clusterA(), name: 'cluster-far', sites: ['dc9'] },
    ]);
    expect(chooseCluster(index, 'm-r2-02', undefined)).toEqual({
      cluster: 'cluster-b',
      site: 'dc1',
    });
    expect(chooseCluster(index, 'm-r2-03', 'cluster-far')).toEqual({
      issues: [
        {
          path: 'input.cluster',
          message: 'cluster cluster-far does not serve site dc1 (its sites: dc9)',
        },
      ],
    });
  });
});

describe('a host of a cluster', () => {
  it('is the cluster’s profile on its machine: every NIC trunks the networks, the datastores are its LUNs, the image is the cluster’s', () => {
    const machine = topology.sites[0]!.machines.find((m) => m.id === 'm-r2-03')!;
    const p = hostProfile(clusterA(), machine);
    expect(p).toMatchObject({
      name: 'cluster-a',
      image: 'kvm-host',
      luns: [{ array: 'array-1', lun: 'vmstore-1', boot: false }],
    });
    expect(p.networks).toEqual([
      { nic: 0, networks: ['prod-web', 'prod-app', 'batch', 'storage', 'mgmt'] },
      { nic: 1, networks: ['prod-web', 'prod-app', 'batch', 'storage', 'mgmt'] },
    ]);
    expect(new TopologyIndex(topology).bootSubject('cluster-a', 'm-r2-03')).toEqual(p);
  });

  it('is a host now by the ledger’s record, else by resting in a cluster’s hosts', () => {
    const t: Topology = { ...topology, clusters: [{ ...clusterA(), hosts: ['m-r2-03'] }] };
    expect(hostNow(t, 'm-r2-03', undefined)).toMatchObject({
      host: true,
      cluster: { name: 'cluster-a' },
    });
    expect(hostNow(t, 'm-r2-03', { role: 'idle' })).toEqual({ host: false });
    expect(hostNow(t, 'm-r2-02', undefined)).toEqual({ host: false });
    expect(hostNow(t, 'm-r2-02', { role: 'hypervisor', cluster: 'cluster-a' })).toMatchObject({
      host: true,
      cluster: { name: 'cluster-a' },
    });
  });
});

describe('topology validation of clusters', () => {
  it('refuses a persona booting a hypervisor image, telling the operator to declare a cluster', () => {
    const issues = issuesOf((t) => {
      t.personas!.push({
        name: 'vmhost-a',
        image: 'kvm-host',
        requirements: { arch: 'x86_64', cores: 24, memoryGiB: 96 },
        priority: 2,
      });
    });
    expect(issues).toEqual([
      expect.stringMatching(
        /^personas\[\d+\]\.image: boot image "kvm-host" is a hypervisor image: a hypervisor host is no persona; declare a cluster instead \(clusters\[\]\.image/,
      ),
    ]);
  });

  it('names the field of each bad reference: image kind, network, LUN not shared, site, host without endpoint or initiator', () => {
    const issues = issuesOf((t) => {
      t.clusters = [
        {
          name: 'bad',
          image: 'rhel-9-san',
          networks: ['prod-web', 'nope'],
          datastores: [
            { array: 'array-1', lun: 'web-01-boot' },
            { array: 'array-9', lun: 'x' },
          ],
          sites: ['dc9'],
          hosts: ['m-r1-03', 'm-ghost'],
        },
      ];
    });
    expect(issues).toEqual(
      expect.arrayContaining([
        'clusters[0].image: boot image "rhel-9-san" is of kind san; a cluster boots a hypervisor image',
        'clusters[0].networks[1]: unknown network "nope"',
        'clusters[0].datastores[0].lun: LUN "web-01-boot" on array "array-1" is not shared: true, but every host of the cluster sees it',
        'clusters[0].datastores[1].array: unknown array "array-9"',
        'clusters[0].sites[0]: unknown site "dc9"',
        'clusters[0].hosts[0]: machine "m-r1-03" has no hypervisor endpoint (a "hypervisor" block), so it cannot be a host',
        'clusters[0].hosts[1]: unknown machine "m-ghost"',
      ]),
    );
  });

  it('a VM persona’s home host must be a resting host of some cluster', () => {
    const home = (t: TopologyInput): void => {
      t.personas!.find((p) => p.name === 'web-02')!.home = { host: 'm-r2-03', vm: true };
    };
    expect(issuesOf(home)).toEqual([
      expect.stringMatching(
        /^personas\[\d+\]\.home\.host: machine "m-r2-03" is no resting host of any cluster/,
      ),
    ]);
    expect(
      issuesOf((t) => {
        home(t);
        t.clusters![0]!.hosts = ['m-r2-03'];
      }),
    ).toEqual([]);
  });
});
