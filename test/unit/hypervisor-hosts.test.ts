import { hypervisorHostChoice, type HostLoad } from '../../domain/placement/hypervisor-hosts';
import type { LedgerState, MachineRecord } from '../../inventory/ledger-records';
import type { Topology } from '../../inventory/topology-schema';
import { labSmall } from '../support/lab-fixtures';

let topology: Topology;
beforeAll(async () => {
  topology = await labSmall();
});

const record = (
  machine: string,
  role: MachineRecord['role'],
  power: MachineRecord['power'] = 'on',
): MachineRecord => ({ machine, role, power, updatedAt: '' });
const ledger = (machines: MachineRecord[]): LedgerState => ({
  site: 'dc1',
  placements: {},
  leases: {},
  bootAssignments: {},
  version: 0,
  machines: Object.fromEntries(machines.map((m) => [m.machine, m])),
});
const persona = (name: string) => topology.personas.find((p) => p.name === name)!;
const site = () => topology.sites[0]!;
const empty: HostLoad = { vms: [] };
/** The cluster's hostOverhead (lab-small's cluster-a keeps the default). */
const overhead = () => topology.clusters[0]!.hostOverhead;

/** lab-small: m-r2-02 (24 cores, 96 GiB) and m-r2-03 (48 cores, 384 GiB) have hypervisor blocks. */
describe('hypervisor host choice', () => {
  it('takes only machines the ledger records as hypervisor hosts, on, with a hypervisor block and the right arch', () => {
    const choice = hypervisorHostChoice(
      topology,
      site(),
      ledger([
        record('m-r2-03', 'hypervisor'),
        record('m-r2-02', 'persona'),
        record('m-r1-03', 'hypervisor'),
      ]),
      persona('web-01'),
      new Map([['m-r2-03', empty]]),
    );
    expect(choice.candidates.map((c) => c.host)).toEqual(['m-r2-03']);
    const why = Object.fromEntries(choice.rejected.map((r) => [r.host, r.reason]));
    expect(why['m-r2-02']).toMatch(/^not a hypervisor host \(the ledger records role persona\)/);
    expect(why['m-r1-03']).toBe('no hypervisor endpoint in the topology');
    const off = hypervisorHostChoice(
      topology,
      site(),
      ledger([record('m-r2-02', 'hypervisor', 'off')]),
      persona('web-01'),
      new Map(),
      'm-r2-02',
    );
    expect(off.rejected).toEqual([{ host: 'm-r2-02', reason: 'powered off' }]);
    const arm = hypervisorHostChoice(
      topology,
      site(),
      ledger([record('m-r2-02', 'hypervisor')]),
      { ...persona('web-01'), requirements: { arch: 'aarch64', cores: 1, memoryGiB: 1 } },
      new Map([['m-r2-02', empty]]),
      'm-r2-02',
    );
    expect(arm.rejected).toEqual([{ host: 'm-r2-02', reason: 'arch x86_64, needs aarch64' }]);
  });

  it('counts each VM on the host plus the host overhead: the persona fits exactly, or the host is full', () => {
    // m-r2-02: 24 cores, 96 GiB. web-01 needs 8/32; overhead 2/8.
    const exact: HostLoad = {
      vms: [
        {
          name: 'other',
          cores: 24 - overhead().cores - 8,
          memoryGiB: 96 - overhead().memoryGiB - 32,
        },
      ],
    };
    const fits = hypervisorHostChoice(
      topology,
      site(),
      ledger([record('m-r2-02', 'hypervisor')]),
      persona('web-01'),
      new Map([['m-r2-02', exact]]),
      'm-r2-02',
    );
    expect(fits.candidates).toEqual([
      { host: 'm-r2-02', site: 'dc1', freeCores: 0, freeMemoryGiB: 0, vms: ['other'] },
    ]);
    const over: HostLoad = { vms: [...exact.vms, { name: 'tiny', cores: 1, memoryGiB: 1 }] };
    const full = hypervisorHostChoice(
      topology,
      site(),
      ledger([record('m-r2-02', 'hypervisor')]),
      persona('web-01'),
      new Map([['m-r2-02', over]]),
      'm-r2-02',
    );
    expect(full.candidates).toEqual([]);
    expect(full.rejected[0]?.reason).toMatch(/^full: 2 VM\(s\)/);
  });

  it('keeps the overhead of the host’s own cluster, as the ledger records it', () => {
    const heavy = {
      ...topology,
      clusters: [
        ...topology.clusters,
        { ...topology.clusters[0]!, name: 'heavy', hostOverhead: { cores: 20, memoryGiB: 8 } },
      ],
    };
    const onHeavy = { ...record('m-r2-02', 'hypervisor'), cluster: 'heavy' };
    // 24 - 20 = 4 cores left: web-01 (8) does not fit; on cluster-a (overhead 2) it does.
    expect(
      hypervisorHostChoice(
        heavy,
        site(),
        ledger([onHeavy]),
        persona('web-01'),
        new Map([['m-r2-02', empty]]),
        'm-r2-02',
      ).rejected[0]?.reason,
    ).toMatch(/host's 20 cores\/8 GiB leave too little/);
    expect(
      hypervisorHostChoice(
        heavy,
        site(),
        ledger([{ ...onHeavy, cluster: 'cluster-a' }]),
        persona('web-01'),
        new Map([['m-r2-02', empty]]),
        'm-r2-02',
      ).candidates,
    ).toHaveLength(1);
  });

  it("does not count the persona's own VM (a stale definition) against the room", () => {
    const load: HostLoad = { vms: [{ name: 'web-01', cores: 1000, memoryGiB: 1000 }] };
    const choice = hypervisorHostChoice(
      topology,
      site(),
      ledger([record('m-r2-02', 'hypervisor')]),
      persona('web-01'),
      new Map([['m-r2-02', load]]),
    );
    expect(choice.candidates.map((c) => c.host)).toEqual(['m-r2-02']);
  });

  it('spreads VMs: the host with the most memory left comes first, whatever order the topology lists them', () => {
    const ledgerBoth = ledger([record('m-r2-02', 'hypervisor'), record('m-r2-03', 'hypervisor')]);
    const busy: HostLoad = { vms: [{ name: 'big', cores: 30, memoryGiB: 340 }] };
    const choice = hypervisorHostChoice(
      topology,
      site(),
      ledgerBoth,
      persona('web-01'),
      new Map([
        ['m-r2-02', empty],
        ['m-r2-03', busy],
      ]),
    );
    expect(choice.candidates.map((c) => [c.host, c.freeMemoryGiB])).toEqual([
      ['m-r2-02', 56],
      ['m-r2-03', 4],
    ]);
    const reversed = { ...site(), machines: [...site().machines].reverse() };
    expect(
      hypervisorHostChoice(
        topology,
        reversed,
        ledgerBoth,
        persona('web-01'),
        new Map([
          ['m-r2-02', empty],
          ['m-r2-03', busy],
        ]),
      ).candidates,
    ).toEqual(choice.candidates);
  });

  it('rejects a host whose hypervisor did not answer, saying so', () => {
    const choice = hypervisorHostChoice(
      topology,
      site(),
      ledger([record('m-r2-03', 'hypervisor')]),
      persona('web-01'),
      new Map([['m-r2-03', { error: 'connection refused' }]]),
      'm-r2-03',
    );
    expect(choice).toEqual({
      candidates: [],
      rejected: [{ host: 'm-r2-03', reason: 'its hypervisor does not answer: connection refused' }],
    });
  });
});
