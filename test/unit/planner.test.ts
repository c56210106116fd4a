import { withLegacyClusters } from '../../domain/planner/legacy-clusters';
import { ValidationError } from '../../common/errors';
import { loadTopologyFile } from '../../inventory/load-topology';
import { explainPlan } from '../../domain/planner/explain-plan';
import type { FailoverPlan, Restoration } from '../../domain/planner/failover-plan';
import { planFailover } from '../../domain/planner/planner';
import { plannerInputSchema } from '../../domain/planner/planner-input';
import { plannerInput, type MachineSpec, type PersonaSpec } from './planner-fixtures';

const byName = (plan: FailoverPlan, name: string): Restoration => {
  const found = plan.restorations.find((r) => r.persona === name);
  if (found === undefined) throw new Error(`${name} is not in the plan`);
  return found;
};
const targetOf = (plan: FailoverPlan, name: string): unknown => {
  const r = byName(plan, name);
  return r.outcome === 'restored' ? r.target : r.reason;
};

/** One burned machine per lost persona, named after it. */
function burned(personas: PersonaSpec[]): MachineSpec[] {
  return personas.map((p) => ({
    id: `burned-${p.name}`,
    rack: 'r1',
    arch: p.arch ?? 'x86_64',
    cores: 64,
    memoryGiB: 512,
    pool: 'dedicated',
    occupant: p.name,
  }));
}

describe('planFailover: rack fire example', () => {
  it('restores every priority-1 and -2 persona of examples/rack-fire.yaml when rack r1 burns, and proves the plan optimal', async () => {
    const topology = await loadTopologyFile('examples/rack-fire.yaml');
    const r1 = topology.sites.flatMap((s) => s.machines).filter((m) => m.rack === 'r1');
    expect(r1).toHaveLength(20);
    const plan = planFailover(
      plannerInputSchema.parse({ topology, failedMachines: r1.map((m) => m.id) }),
    );

    expect(plan.restorations).toHaveLength(20);
    const top = plan.restorations.filter((r) => r.priority <= 2);
    expect(top.length).toBeGreaterThanOrEqual(6);
    expect(top.filter((r) => r.outcome !== 'restored')).toEqual([]);
    expect(plan.search.optimal).toBe(true);
    // Ten machines left, twenty personas: some must run as VMs on a new host.
    expect(plan.hypervisorHosts.length).toBeGreaterThan(0);
    expect(byName(plan, 'sandbox-01')).toMatchObject({
      outcome: 'not-restored',
      reason: 'too-large',
    });
    expect(targetOf(plan, 'build-arm-01')).toEqual({ kind: 'machine', machine: 'm-r2-04' });
    // The dedicated machine running ldap-01 is never taken.
    expect(JSON.stringify(plan)).not.toContain('m-r3-04');
    for (const e of plan.evictions)
      expect(byName(plan, e.for).priority).toBeLessThan(e.occupantPriority);
    expect(plan.groups.map((g) => g.priority)).toEqual(
      [...plan.groups.map((g) => g.priority)].sort(),
    );
  });
});

describe('planFailover: rules', () => {
  it('takes a spare before a repurposable machine, and an empty repurposable one before evicting', () => {
    const lost: PersonaSpec[] = [{ name: 'app', priority: 2, cores: 8, memoryGiB: 32 }];
    const machines: MachineSpec[] = [
      ...burned(lost),
      {
        id: 'rep-busy',
        cores: 8,
        memoryGiB: 32,
        pool: 'repurposable',
        priority: 5,
        occupant: 'batch',
      },
      { id: 'rep-empty', cores: 8, memoryGiB: 32, pool: 'repurposable', priority: 5 },
      { id: 'spare-big', cores: 32, memoryGiB: 256, pool: 'spare' },
    ];
    const personas = [...lost, { name: 'batch', priority: 5, cores: 8, memoryGiB: 32 }];
    const plan = planFailover(
      plannerInput({ machines, personas }, { failedMachines: ['burned-app'] }),
    );
    expect(targetOf(plan, 'app')).toEqual({ kind: 'machine', machine: 'spare-big' });
    expect(plan.evictions).toEqual([]);

    const noSpare = planFailover(
      plannerInput(
        { machines: machines.filter((m) => m.id !== 'spare-big'), personas },
        { failedMachines: ['burned-app'] },
      ),
    );
    expect(targetOf(noSpare, 'app')).toEqual({ kind: 'machine', machine: 'rep-empty' });
    expect(noSpare.evictions).toEqual([]);
  });

  it('evicts the lowest-priority occupant first (5 before 4), whatever the machine ids', () => {
    const lost: PersonaSpec[] = [{ name: 'db', priority: 1, cores: 16, memoryGiB: 64 }];
    const personas = [
      ...lost,
      { name: 'ci', priority: 4, cores: 8, memoryGiB: 32 },
      { name: 'batch', priority: 5, cores: 8, memoryGiB: 32 },
    ];
    const machines: MachineSpec[] = [
      ...burned(lost),
      { id: 'a-rep4', cores: 16, memoryGiB: 64, pool: 'repurposable', priority: 4, occupant: 'ci' },
      {
        id: 'z-rep5',
        cores: 16,
        memoryGiB: 64,
        pool: 'repurposable',
        priority: 5,
        occupant: 'batch',
      },
    ];
    const plan = planFailover(
      plannerInput({ machines, personas }, { failedMachines: ['burned-db'] }),
    );
    expect(targetOf(plan, 'db')).toEqual({ kind: 'machine', machine: 'z-rep5' });
    expect(plan.evictions).toEqual([
      { machine: 'z-rep5', occupant: 'batch', occupantPriority: 5, for: 'db' },
    ]);
    expect(plan.tally.find((t) => t.priority === 5)).toMatchObject({ evicted: 1 });
  });

  it('never evicts for a persona of lower priority, nor of equal priority', () => {
    const lost: PersonaSpec[] = [
      { name: 'p3', priority: 3, cores: 8, memoryGiB: 32 },
      { name: 'p4', priority: 4, cores: 8, memoryGiB: 32 },
    ];
    const personas = [
      ...lost,
      { name: 'occ2', priority: 2, cores: 8, memoryGiB: 32 },
      { name: 'occ3', priority: 3, cores: 8, memoryGiB: 32 },
    ];
    const machines: MachineSpec[] = [
      ...burned(lost),
      { id: 'rep2', cores: 8, memoryGiB: 32, pool: 'repurposable', priority: 2, occupant: 'occ2' },
      { id: 'rep3', cores: 8, memoryGiB: 32, pool: 'repurposable', priority: 3, occupant: 'occ3' },
    ];
    const plan = planFailover(
      plannerInput({ machines, personas }, { failedMachines: ['burned-p3', 'burned-p4'] }),
    );
    expect(plan.evictions).toEqual([]);
    expect(byName(plan, 'p3')).toMatchObject({
      outcome: 'not-restored',
      reason: 'occupant-outranks',
    });
    expect(byName(plan, 'p4')).toMatchObject({
      outcome: 'not-restored',
      reason: 'occupant-outranks',
    });
  });

  it('protects an occupant by the stricter of the machine priority and its persona priority', () => {
    const lost: PersonaSpec[] = [{ name: 'web', priority: 3, cores: 8, memoryGiB: 32 }];
    // The machine says 5, but the ledger shows a priority-1 persona moved onto it.
    const personas = [...lost, { name: 'vip', priority: 1, cores: 8, memoryGiB: 32 }];
    const machines: MachineSpec[] = [
      ...burned(lost),
      { id: 'rep5', cores: 8, memoryGiB: 32, pool: 'repurposable', priority: 5 },
    ];
    const plan = planFailover(
      plannerInput(
        { machines, personas },
        {
          failedMachines: ['burned-web'],
          ledger: {
            placements: [{ persona: 'vip', placement: { kind: 'machine', machine: 'rep5' } }],
          },
        },
      ),
    );
    expect(byName(plan, 'web')).toMatchObject({
      outcome: 'not-restored',
      reason: 'occupant-outranks',
    });
  });

  it('respects arch: an x86_64 persona is not restored on aarch64 machines', () => {
    const lost: PersonaSpec[] = [
      { name: 'x86', priority: 1, cores: 4, memoryGiB: 8, vmAllowed: true },
    ];
    const machines: MachineSpec[] = [
      ...burned(lost),
      { id: 'arm-1', arch: 'aarch64', cores: 64, memoryGiB: 256, pool: 'spare' },
    ];
    const plan = planFailover(
      plannerInput({ machines, personas: lost }, { failedMachines: ['burned-x86'] }),
    );
    expect(byName(plan, 'x86')).toMatchObject({
      outcome: 'not-restored',
      reason: 'no-fitting-arch',
    });
    expect(explainPlan(plan)).toContain('no-fitting-arch: no usable x86_64 machine');
  });

  it('says too-large when every machine of the arch is too small', () => {
    const lost: PersonaSpec[] = [{ name: 'big', priority: 1, cores: 64, memoryGiB: 256 }];
    const machines: MachineSpec[] = [
      ...burned(lost),
      { id: 'small', cores: 16, memoryGiB: 512, pool: 'spare' },
    ];
    const plan = planFailover(
      plannerInput({ machines, personas: lost }, { failedMachines: ['burned-big'] }),
    );
    expect(byName(plan, 'big')).toMatchObject({ outcome: 'not-restored', reason: 'too-large' });
  });

  it('does not run a persona as a VM when vmAllowed is false, even with host room free', () => {
    const lost: PersonaSpec[] = [
      { name: 'a-vm', priority: 1, cores: 4, memoryGiB: 16, vmAllowed: true },
      { name: 'b-metal', priority: 1, cores: 4, memoryGiB: 16, vmAllowed: false },
    ];
    const machines: MachineSpec[] = [
      ...burned(lost),
      { id: 'only', cores: 32, memoryGiB: 128, pool: 'spare' },
    ];
    const plan = planFailover(
      plannerInput(
        { machines, personas: lost },
        { failedMachines: ['burned-a-vm', 'burned-b-metal'] },
      ),
    );
    // One machine, two priority-1 personas: either can have it, never both (b-metal may not share
    // it as a VM).
    expect(plan.restorations.filter((r) => r.outcome === 'restored')).toHaveLength(1);
    expect(
      plan.restorations
        .filter((r) => r.outcome === 'not-restored')
        .map((r) => r.outcome === 'not-restored' && r.reason),
    ).toEqual(['no-capacity']);
    expect(plan.hypervisorHosts).toEqual([]);

    const withHost = planFailover(
      plannerInput(
        {
          machines: [...machines, { id: 'host-1', cores: 32, memoryGiB: 128, pool: 'spare' }],
          personas: [
            ...lost,
            { name: 'guest', priority: 5, cores: 2, memoryGiB: 4, vmAllowed: true },
          ],
        },
        {
          failedMachines: ['burned-a-vm', 'burned-b-metal'],
          ledger: { placements: [{ persona: 'guest', placement: { kind: 'vm', host: 'host-1' } }] },
        },
      ),
    );
    expect(targetOf(withHost, 'a-vm')).toEqual({ kind: 'vm', host: 'host-1', newHost: false });
    expect(targetOf(withHost, 'b-metal')).toEqual({ kind: 'machine', machine: 'only' });
    expect(withHost.hypervisorHosts).toEqual([]);
  });

  it('reports vm-not-allowed when only host room is left', () => {
    const lost: PersonaSpec[] = [{ name: 'metal', priority: 1, cores: 4, memoryGiB: 16 }];
    const personas = [
      ...lost,
      { name: 'guest', priority: 5, cores: 2, memoryGiB: 4, vmAllowed: true },
    ];
    const machines: MachineSpec[] = [
      ...burned(lost),
      { id: 'host-1', cores: 32, memoryGiB: 128, pool: 'spare' },
    ];
    const plan = planFailover(
      plannerInput(
        { machines, personas },
        {
          failedMachines: ['burned-metal'],
          ledger: { placements: [{ persona: 'guest', placement: { kind: 'vm', host: 'host-1' } }] },
        },
      ),
    );
    expect(byName(plan, 'metal')).toMatchObject({
      outcome: 'not-restored',
      reason: 'vm-not-allowed',
    });
  });

  it('packs VMs onto new hypervisor hosts when machines run short, counting the host overhead', () => {
    const lost: PersonaSpec[] = Array.from({ length: 8 }, (_, i) => ({
      name: `web-${i}`,
      priority: 2,
      cores: 8,
      memoryGiB: 32,
      vmAllowed: true,
    }));
    const machines: MachineSpec[] = [
      ...burned(lost),
      // 34 cores - 2 overhead = 32: four 8-core VMs each.
      { id: 'big-1', cores: 34, memoryGiB: 136, pool: 'spare' },
      { id: 'big-2', cores: 34, memoryGiB: 136, pool: 'spare' },
    ];
    const plan = planFailover(
      plannerInput(
        { machines, personas: lost },
        { failedMachines: lost.map((p) => `burned-${p.name}`) },
      ),
    );
    expect(plan.restorations.every((r) => r.outcome === 'restored')).toBe(true);
    expect(plan.hypervisorHosts.map((h) => [h.machine, h.cluster, h.image, h.vms.length])).toEqual([
      ['big-1', 'zz-cluster', 'kvm-host', 4],
      ['big-2', 'zz-cluster', 'kvm-host', 4],
    ]);
    expect(plan.groups).toEqual([
      { priority: 2, hypervisorHosts: ['big-1', 'big-2'], personas: lost.map((p) => p.name) },
    ]);
    expect(explainPlan(plan)).toMatch(
      /^HOST\s+CLUSTER\s+IMAGE\s+VMS\nbig-1\s+zz-cluster\s+kvm-host\s+web-/m,
    );

    const heavier = planFailover(
      plannerInput(
        { machines, personas: lost, hostOverhead: { cores: 4, memoryGiB: 8 } },
        { failedMachines: lost.map((p) => `burned-${p.name}`) },
      ),
    );
    expect(heavier.restorations.filter((r) => r.outcome === 'restored')).toHaveLength(6);
  });

  it('never makes a host of a machine that cannot see its cluster’s datastores (no iSCSI initiator)', () => {
    const lost: PersonaSpec[] = Array.from({ length: 3 }, (_, i) => ({
      name: `web-${i}`,
      priority: 2,
      cores: 8,
      memoryGiB: 32,
      vmAllowed: true,
    }));
    const input = plannerInput(
      {
        machines: [...burned(lost), { id: 'big', cores: 34, memoryGiB: 136, pool: 'spare' }],
        personas: lost,
      },
      { failedMachines: lost.map((p) => `burned-${p.name}`) },
    );
    const t = input.topology;
    const withDatastore = {
      ...t,
      clusters: t.clusters.map((c) => ({
        ...c,
        datastores: [{ array: 'array-1', lun: 'vmstore-1' }],
      })),
    };
    expect(
      planFailover({ ...input, topology: withDatastore }).hypervisorHosts.map((h) => h.machine),
    ).toEqual(['big']);
    const noInitiator = {
      ...withDatastore,
      sites: t.sites.map((s) => ({
        ...s,
        machines: s.machines.map((m) => (m.id === 'big' ? { ...m, storage: { wwpns: [] } } : m)),
      })),
    };
    expect(planFailover({ ...input, topology: noInitiator }).hypervisorHosts).toEqual([]);
  });

  it('never makes a host of a machine without a hypervisor endpoint', () => {
    const lost: PersonaSpec[] = Array.from({ length: 4 }, (_, i) => ({
      name: `web-${i}`,
      priority: 2,
      cores: 8,
      memoryGiB: 32,
      vmAllowed: true,
    }));
    const failedMachines = lost.map((p) => `burned-${p.name}`);
    const machines: MachineSpec[] = [
      ...burned(lost),
      { id: 'big-1', cores: 34, memoryGiB: 136, pool: 'spare', canHost: false },
      { id: 'big-2', cores: 34, memoryGiB: 136, pool: 'spare' },
    ];
    const plan = planFailover(plannerInput({ machines, personas: lost }, { failedMachines }));
    expect(plan.hypervisorHosts.map((h) => h.machine)).toEqual(['big-2']);
    expect(plan.restorations.filter((r) => r.outcome === 'restored')).toHaveLength(4);

    // Without any hypervisor endpoint, only whole machines: two personas come back.
    const none = planFailover(
      plannerInput(
        { machines: machines.map((m) => ({ ...m, canHost: false })), personas: lost },
        { failedMachines },
      ),
    );
    expect(none.hypervisorHosts).toEqual([]);
    expect(none.restorations.filter((r) => r.outcome === 'restored')).toHaveLength(2);
  });

  it('prefers packing that restores more high-priority personas over restoring one physically', () => {
    // One machine: physically it restores one priority-1 persona; as a host it restores all three.
    const lost: PersonaSpec[] = [
      { name: 'a', priority: 1, cores: 8, memoryGiB: 32, vmAllowed: true },
      { name: 'b', priority: 1, cores: 8, memoryGiB: 32, vmAllowed: true },
      { name: 'c', priority: 1, cores: 8, memoryGiB: 32, vmAllowed: true },
    ];
    const machines: MachineSpec[] = [
      ...burned(lost),
      { id: 'm', cores: 32, memoryGiB: 128, pool: 'spare' },
    ];
    const plan = planFailover(
      plannerInput(
        { machines, personas: lost },
        { failedMachines: ['burned-a', 'burned-b', 'burned-c'] },
      ),
    );
    expect(plan.hypervisorHosts).toEqual([
      { machine: 'm', cluster: 'zz-cluster', image: 'kvm-host', vms: ['a', 'b', 'c'] },
    ]);
    expect(plan.search.optimal).toBe(true);
  });

  it('never uses dedicated, failed, leased, dark or unhealthy machines', () => {
    const lost: PersonaSpec[] = [
      { name: 'app', priority: 1, cores: 4, memoryGiB: 16, vmAllowed: true },
    ];
    const machines: MachineSpec[] = [
      ...burned(lost),
      { id: 'dedicated', cores: 64, memoryGiB: 256, pool: 'dedicated' },
      { id: 'failed-too', cores: 64, memoryGiB: 256, pool: 'spare' },
      { id: 'leased', cores: 64, memoryGiB: 256, pool: 'spare' },
      { id: 'dark', cores: 64, memoryGiB: 256, pool: 'spare' },
      { id: 'sick', cores: 64, memoryGiB: 256, pool: 'spare' },
      { id: 'ours', cores: 64, memoryGiB: 256, pool: 'spare' },
    ];
    const input = {
      failedMachines: ['burned-app', 'failed-too'],
      ledger: {
        leases: [
          { kind: 'machine' as const, id: 'leased', holder: 'other-run' },
          { kind: 'machine' as const, id: 'ours', holder: 'this-run' },
        ],
        machines: [
          { machine: 'dark', power: 'unknown' as const },
          { machine: 'sick', power: 'on' as const, healthy: false },
        ],
      },
    };
    const plan = planFailover(
      plannerInput({ machines, personas: lost }, { ...input, options: { holder: 'this-run' } }),
    );
    expect(targetOf(plan, 'app')).toEqual({ kind: 'machine', machine: 'ours' });
    const other = planFailover(
      plannerInput({ machines, personas: lost }, { ...input, options: { holder: 'another-run' } }),
    );
    expect(byName(other, 'app')).toMatchObject({
      outcome: 'not-restored',
      reason: 'no-fitting-arch',
    });
  });

  it('leaves a persona leased by another run alone', () => {
    const lost: PersonaSpec[] = [{ name: 'app', priority: 1, cores: 4, memoryGiB: 16 }];
    const machines: MachineSpec[] = [
      ...burned(lost),
      { id: 'spare', cores: 8, memoryGiB: 32, pool: 'spare' },
    ];
    const plan = planFailover(
      plannerInput(
        { machines, personas: lost },
        {
          failedMachines: ['burned-app'],
          ledger: { leases: [{ kind: 'persona', id: 'app', holder: 'p2v/app/1' }] },
        },
      ),
    );
    expect(byName(plan, 'app')).toMatchObject({
      outcome: 'not-restored',
      reason: 'persona-leased',
    });
  });

  it('a spares-only drill takes no repurposable machine and no existing host, and says why', () => {
    const lost: PersonaSpec[] = [
      { name: 'app', priority: 1, cores: 4, memoryGiB: 16, vmAllowed: true },
    ];
    const personas = [
      ...lost,
      { name: 'guest', priority: 5, cores: 2, memoryGiB: 4, vmAllowed: true },
    ];
    const machines: MachineSpec[] = [
      ...burned(lost),
      { id: 'rep-empty', cores: 8, memoryGiB: 32, pool: 'repurposable', priority: 5 },
      { id: 'host-1', cores: 32, memoryGiB: 128, pool: 'spare' },
    ];
    const ledger = {
      placements: [{ persona: 'guest', placement: { kind: 'vm' as const, host: 'host-1' } }],
    };
    const drill = planFailover(
      plannerInput(
        { machines, personas },
        { failedMachines: ['burned-app'], ledger, options: { sparesOnly: true } },
      ),
    );
    expect(byName(drill, 'app')).toMatchObject({
      outcome: 'not-restored',
      reason: 'repurpose-not-allowed',
    });
    const failover = planFailover(
      plannerInput({ machines, personas }, { failedMachines: ['burned-app'], ledger }),
    );
    expect(targetOf(failover, 'app')).toEqual({ kind: 'machine', machine: 'rep-empty' });
    expect(() =>
      plannerInputSchema.parse({
        ...plannerInput({ machines, personas }, { failedMachines: ['burned-app'] }),
        options: { sparesOnly: true, allowRepurpose: true },
      }),
    ).toThrow(/sparesOnly conflicts with allowRepurpose/);
  });

  it('takes only machines in the target sites', () => {
    const lost: PersonaSpec[] = [{ name: 'app', priority: 1, cores: 4, memoryGiB: 16 }];
    const machines: MachineSpec[] = [
      ...burned(lost),
      { id: 'near', site: 'dc1', cores: 8, memoryGiB: 32, pool: 'spare' },
      { id: 'far', site: 'dc2', cores: 8, memoryGiB: 32, pool: 'spare' },
    ];
    const plan = planFailover(
      plannerInput(
        { machines, personas: lost },
        { failedMachines: ['burned-app'], options: { targetSites: ['dc2'] } },
      ),
    );
    expect(targetOf(plan, 'app')).toEqual({ kind: 'machine', machine: 'far' });
  });

  it('reads placements from the ledger over the topology, and VMs on a failed host are lost', () => {
    const personas: PersonaSpec[] = [
      { name: 'moved', priority: 1, cores: 4, memoryGiB: 16, home: { machine: 'burned' } },
      { name: 'vm-1', priority: 2, cores: 4, memoryGiB: 16, vmAllowed: true },
      { name: 'stays', priority: 1, cores: 4, memoryGiB: 16, home: { machine: 'safe' } },
    ];
    const machines: MachineSpec[] = [
      { id: 'burned', cores: 64, memoryGiB: 256, pool: 'dedicated' },
      { id: 'safe', cores: 8, memoryGiB: 32, pool: 'dedicated' },
      { id: 'elsewhere', cores: 8, memoryGiB: 32, pool: 'dedicated' },
      { id: 'spare', cores: 32, memoryGiB: 128, pool: 'spare' },
    ];
    const plan = planFailover(
      plannerInput(
        { machines, personas },
        {
          failedMachines: ['burned'],
          ledger: {
            placements: [
              { persona: 'moved', placement: { kind: 'machine', machine: 'elsewhere' } },
              { persona: 'vm-1', placement: { kind: 'vm', host: 'burned' } },
            ],
          },
        },
      ),
    );
    expect(plan.restorations.map((r) => [r.persona, r.from])).toEqual([
      ['vm-1', { kind: 'vm', host: 'burned' }],
    ]);
  });

  it('restarts the VMs of a failed host on another host with room before taking spare machines', () => {
    const personas: PersonaSpec[] = [
      { name: 'vm-a', priority: 2, cores: 4, memoryGiB: 16, vmAllowed: true },
      { name: 'vm-b', priority: 3, cores: 4, memoryGiB: 16, vmAllowed: true },
      { name: 'phys', priority: 2, cores: 4, memoryGiB: 16, vmAllowed: true },
    ];
    const machines: MachineSpec[] = [
      { id: 'host-dead', cores: 32, memoryGiB: 128, pool: 'spare' },
      { id: 'host-ok', cores: 32, memoryGiB: 128, pool: 'spare' },
      { id: 'phys-dead', cores: 8, memoryGiB: 32, pool: 'dedicated' },
      { id: 'spare-1', cores: 8, memoryGiB: 32, pool: 'spare', canHost: false },
      { id: 'spare-2', cores: 8, memoryGiB: 32, pool: 'spare', canHost: false },
      { id: 'spare-3', cores: 8, memoryGiB: 32, pool: 'spare', canHost: false },
    ];
    const plan = planFailover(
      plannerInput(
        { machines, personas },
        {
          failedMachines: ['host-dead', 'phys-dead'],
          ledger: {
            placements: [
              { persona: 'vm-a', placement: { kind: 'vm', host: 'host-dead' } },
              { persona: 'vm-b', placement: { kind: 'vm', host: 'host-dead' } },
              { persona: 'phys', placement: { kind: 'machine', machine: 'phys-dead' } },
            ],
            hypervisorHosts: ['host-dead', 'host-ok'],
          },
        },
      ),
    );
    expect(targetOf(plan, 'vm-a')).toEqual({ kind: 'vm', host: 'host-ok', newHost: false });
    expect(targetOf(plan, 'vm-b')).toEqual({ kind: 'vm', host: 'host-ok', newHost: false });
    // A persona that ran on a machine still takes a whole spare first.
    expect(targetOf(plan, 'phys')).toEqual({ kind: 'machine', machine: 'spare-1' });
    expect(plan.search.optimal).toBe(true);
  });

  it('rejects references that do not resolve, naming the field', () => {
    const machines: MachineSpec[] = [{ id: 'm1', cores: 8, memoryGiB: 32, pool: 'spare' }];
    const run = (): unknown =>
      planFailover(
        plannerInput(
          { machines, personas: [] },
          {
            failedMachines: ['nope'],
            ledger: { placements: [{ persona: 'ghost', placement: { kind: 'none' } }] },
          },
        ),
      );
    expect(run).toThrow(ValidationError);
    expect(run).toThrow(
      /failedMachines\[0\]: unknown machine "nope".*ledger\.placements\[0\]\.persona: unknown persona "ghost"/,
    );
    expect(() =>
      planFailover(
        plannerInput(
          { machines, personas: [], moreClusters: [{ name: 'aa-cluster' }] },
          { failedMachines: ['m1'] },
        ),
      ),
    ).toThrow(
      /options\.cluster: site dc1 has several clusters \(aa-cluster, zz-cluster\): name one in input\.cluster/,
    );
    expect(() =>
      planFailover(
        plannerInput(
          { machines, personas: [] },
          { failedMachines: ['m1'], options: { cluster: 'nope' } },
        ),
      ),
    ).toThrow(/options\.cluster: unknown cluster "nope"/);
  });

  it('explains a plan as text tables', () => {
    const lost: PersonaSpec[] = [
      { name: 'db', priority: 1, cores: 16, memoryGiB: 64 },
      { name: 'web', priority: 2, cores: 4, memoryGiB: 16, vmAllowed: true },
    ];
    const personas = [...lost, { name: 'batch', priority: 5, cores: 8, memoryGiB: 32 }];
    const machines: MachineSpec[] = [
      ...burned(lost),
      { id: 'rep', cores: 16, memoryGiB: 64, pool: 'repurposable', priority: 5, occupant: 'batch' },
    ];
    const text = explainPlan(
      planFailover(
        plannerInput({ machines, personas }, { failedMachines: ['burned-db', 'burned-web'] }),
      ),
    );
    expect(text).toContain('1 of 2 lost persona(s) restored; optimal');
    expect(text).toMatch(/^1 +db +burned-db +machine +rep$/m);
    expect(text).toMatch(/^2 +web +burned-web +not restored +no-capacity: /m);
    expect(text).toMatch(/^rep +batch +5 +db$/m);
  });
});

describe('plans of failovers started before clusters (replayed with withLegacyClusters)', () => {
  it('a persona booting a hypervisor image names the cluster new hosts join, as it did then', () => {
    const lost: PersonaSpec[] = Array.from({ length: 3 }, (_, i) => ({
      name: `web-${i}`,
      priority: 2,
      cores: 8,
      memoryGiB: 32,
      vmAllowed: true,
    }));
    const machines: MachineSpec[] = [
      ...burned(lost),
      { id: 'big', cores: 34, memoryGiB: 136, pool: 'spare' },
    ];
    const input = plannerInput(
      { machines, personas: lost, cluster: false },
      { failedMachines: lost.map((p) => `burned-${p.name}`) },
    );
    // An old topology: no clusters, a hypervisor persona (as the lab-small of the recorded
    // histories had).
    const old = {
      ...input.topology,
      personas: [
        ...input.topology.personas,
        {
          ...input.topology.personas[0]!,
          name: 'vmhost-a',
          image: 'kvm-host',
          networks: [{ nic: 0, networks: ['vm-net'] }],
          luns: [],
        },
      ],
    };
    expect(planFailover({ ...input, topology: old }).hypervisorHosts).toEqual([]);
    expect(planFailover({ ...input, topology: withLegacyClusters(old) }).hypervisorHosts).toEqual([
      { machine: 'big', cluster: 'vmhost-a', image: 'kvm-host', vms: ['web-0', 'web-1', 'web-2'] },
    ]);
  });
});
