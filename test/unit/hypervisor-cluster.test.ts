import { chooseCluster } from '../../inventory/hypervisor-cluster';
import { TopologyIndex } from '../../inventory/topology-index';
import type { Persona, Topology } from '../../inventory/topology-schema';
import { labSmall } from '../support/lab-fixtures';

let topology: Topology;

beforeAll(async () => {
  topology = await labSmall();
});

const withPersonas = (extra: Persona[]): TopologyIndex => new TopologyIndex({ ...topology, personas: [...topology.personas, ...extra] });
const vmhost = (): Persona => topology.personas.find((p) => p.name === 'vmhost-a')!;

describe('chooseCluster (a cluster is a hypervisor persona)', () => {
  it('defaults to the only hypervisor persona serving the machine’s site', () => {
    expect(chooseCluster(new TopologyIndex(topology), 'm-r2-03', undefined)).toEqual({ cluster: 'vmhost-a', site: 'dc1' });
  });

  it('takes a named hypervisor persona', () => {
    expect(chooseCluster(new TopologyIndex(topology), 'm-r2-02', 'vmhost-a')).toEqual({ cluster: 'vmhost-a', site: 'dc1' });
  });

  it('refuses a machine without a hypervisor endpoint, and an unknown machine', () => {
    expect(chooseCluster(new TopologyIndex(topology), 'm-r1-03', undefined)).toEqual({ issues: [{ path: 'input.machine', message: expect.stringContaining('m-r1-03 has no hypervisor endpoint') }] });
    expect(chooseCluster(new TopologyIndex(topology), 'm-nope', undefined)).toEqual({ issues: [{ path: 'input.machine', message: 'unknown machine "m-nope"' }] });
  });

  it('refuses a persona that is not a hypervisor persona, or unknown', () => {
    expect(chooseCluster(new TopologyIndex(topology), 'm-r2-03', 'web-01')).toEqual({ issues: [{ path: 'input.cluster', message: expect.stringContaining('persona web-01 boots rhel-9-san, which is not a hypervisor image') }] });
    expect(chooseCluster(new TopologyIndex(topology), 'm-r2-03', 'nope')).toEqual({ issues: [{ path: 'input.cluster', message: expect.stringContaining('unknown cluster "nope"') }] });
  });

  it('asks for a name when several hypervisor personas serve the site', () => {
    const index = withPersonas([{ ...vmhost(), name: 'vmhost-b' }]);
    expect(chooseCluster(index, 'm-r2-03', undefined)).toEqual({ issues: [{ path: 'input.cluster', message: 'site dc1 has several clusters (vmhost-a, vmhost-b): name one' }] });
    expect(chooseCluster(index, 'm-r2-03', 'vmhost-b')).toEqual({ cluster: 'vmhost-b', site: 'dc1' });
  });

  it('a hypervisor persona with a home serves that home’s site only', () => {
    const dc1 = topology.sites[0]!;
    const far = { ...dc1.machines.find((m) => m.id === 'm-r2-03')!, id: 'm-far', nics: [] };
    const other: Topology = { ...topology, sites: [dc1, { ...dc1, name: 'dc2', machines: [far], switches: [], arrays: [] }] };
    const index = new TopologyIndex({ ...other, personas: other.personas.map((p) => (p.name === 'vmhost-a' ? { ...p, home: { machine: 'm-r2-02' } } : p)) });
    expect(chooseCluster(index, 'm-r2-03', 'vmhost-a')).toEqual({ cluster: 'vmhost-a', site: 'dc1' });
    expect(chooseCluster(index, 'm-far', 'vmhost-a')).toEqual({ issues: [{ path: 'input.cluster', message: "cluster vmhost-a has its home in another site than m-far's (dc2)" }] });
    expect(chooseCluster(index, 'm-far', undefined)).toEqual({ issues: [{ path: 'input.cluster', message: expect.stringContaining('no hypervisor persona') }] });
  });
});
