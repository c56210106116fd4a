import { inventoryView } from '../../api/inventory-view';
import { inventoryViewSchema } from '../../api/inventory-view-schema';
import type { LedgerState } from '../../inventory/ledger-records';
import { buildTopology } from './planner-fixtures';

/** Two sites; machine n's MAC is 52:54:00:ee:00:0n (a1 = 0, a2 = 1, h1 = 2, b1 = 3). */
const topology = buildTopology({
  cluster: false,
  machines: [
    { id: 'a1', site: 'dc1', cores: 16, memoryGiB: 64, pool: 'spare' },
    {
      id: 'a2',
      site: 'dc1',
      rack: 'r2',
      cores: 32,
      memoryGiB: 128,
      pool: 'repurposable',
      priority: 4,
      occupant: 'batch',
    },
    { id: 'h1', site: 'dc1', cores: 48, memoryGiB: 384, pool: 'spare' },
    { id: 'b1', site: 'dc2', cores: 32, memoryGiB: 256, pool: 'dedicated', occupant: 'db' },
  ],
  personas: [
    { name: 'web', priority: 2, cores: 8, memoryGiB: 32, vmAllowed: true },
    { name: 'db', priority: 1, cores: 16, memoryGiB: 128, home: { machine: 'b1' } },
    { name: 'batch', priority: 5, cores: 16, memoryGiB: 64, home: { machine: 'a2' } },
    { name: 'app', priority: 3, cores: 4, memoryGiB: 16, vmAllowed: true },
  ],
});

const T = '2026-11-02T10:00:00.000Z';
const ledger = (site: string, parts: Partial<Omit<LedgerState, 'site'>> = {}): LedgerState => ({
  site,
  placements: {},
  leases: {},
  machines: {},
  bootAssignments: {},
  version: 0,
  ...parts,
});
const lease = (resource: string, holder: string, purpose = '') => ({
  resource,
  holder,
  purpose,
  acquiredAt: T,
});

/**
 * A plausible state: web on a1 (leased by a run), app as a VM on hypervisor h1, db on b1 in dc2.
 */
const live = (): LedgerState[] => [
  ledger('dc1', {
    version: 7,
    placements: { web: { kind: 'machine', machine: 'a1' }, app: { kind: 'vm', host: 'h1' } },
    leases: {
      'machine:a1': lease('machine:a1', 'repurpose/web/20261102T100000Z-ab12', 'repurpose web'),
      'persona:web': lease('persona:web', 'repurpose/web/20261102T100000Z-ab12', 'repurpose web'),
    },
    machines: {
      a1: { machine: 'a1', power: 'on', healthy: true, role: 'persona', updatedAt: T },
      h1: { machine: 'h1', power: 'on', role: 'hypervisor', updatedAt: T },
    },
    bootAssignments: {
      '52:54:00:ee:00:00': {
        mac: '52:54:00:ee:00:00',
        machine: 'a1',
        persona: 'web',
        image: 'pxe-img',
      },
    },
  }),
  ledger('dc2', {
    version: 2,
    placements: { db: { kind: 'machine', machine: 'b1' } },
    machines: {
      b1: { machine: 'b1', power: 'off', healthy: false, role: 'persona', updatedAt: T },
    },
  }),
];

const machineOf = (view: ReturnType<typeof inventoryView>, id: string) =>
  view.machines.find((m) => m.id === id)!;
const personaOf = (view: ReturnType<typeof inventoryView>, name: string) =>
  view.personas.find((p) => p.name === name)!;

describe('inventoryView (topology joined with the ledgers)', () => {
  it('shows the topology alone when no ledger has recorded anything', () => {
    const view = inventoryView(topology, []);
    expect(view.machines.map((m) => [m.id, m.site, m.record, m.persona, m.lease])).toEqual([
      ['a1', 'dc1', null, null, null],
      ['a2', 'dc1', null, null, null],
      ['h1', 'dc1', null, null, null],
      ['b1', 'dc2', null, null, null],
    ]);
    expect(personaOf(view, 'db')).toMatchObject({
      placement: { kind: 'none' },
      site: null,
      home: { machine: 'b1' },
      lease: null,
    });
    expect(view.sites.map((s) => [s.name, s.machines.byRole.unrecorded, s.personas])).toEqual([
      ['dc1', 3, { placed: 0, notPlaced: 1 }],
      ['dc2', 1, { placed: 0, notPlaced: 1 }],
    ]);
    // web and app have no home: counted only in the totals.
    expect(view.totals).toEqual({ machines: 4, personas: 4, placed: 0, notPlaced: 4, leases: 0 });
    expect(view.issues).toEqual([]);
  });

  it('joins placements on machines and as VMs, leases, records and boot assignments', () => {
    const view = inventoryView(topology, live());
    expect(machineOf(view, 'a1')).toMatchObject({
      rack: 'r1',
      pool: 'spare',
      priority: null,
      cores: 16,
      memoryGiB: 64,
      record: { power: 'on', healthy: true, role: 'persona', updatedAt: T },
      persona: 'web',
      vms: [],
      lease: { holder: 'repurpose/web/20261102T100000Z-ab12', purpose: 'repurpose web', since: T },
      nics: [
        {
          name: 'eth0',
          mac: '52:54:00:ee:00:00',
          switch: 'sw-dc1',
          port: 'GigabitEthernet1/0/1',
          boot: { persona: 'web', image: 'pxe-img' },
        },
      ],
    });
    expect(machineOf(view, 'a2')).toMatchObject({
      rack: 'r2',
      pool: 'repurposable',
      priority: 4,
      occupant: 'batch',
      persona: null,
      record: null,
      lease: null,
    });
    expect(machineOf(view, 'h1')).toMatchObject({
      persona: null,
      vms: ['app'],
      record: { role: 'hypervisor' },
    });
    expect(machineOf(view, 'h1').record).not.toHaveProperty('healthy');
    expect(machineOf(view, 'b1')).toMatchObject({
      site: 'dc2',
      persona: 'db',
      record: { power: 'off', healthy: false },
    });

    expect(personaOf(view, 'web')).toMatchObject({
      placement: { kind: 'machine', machine: 'a1' },
      site: 'dc1',
      lease: { holder: 'repurpose/web/20261102T100000Z-ab12' },
    });
    expect(personaOf(view, 'app')).toMatchObject({
      placement: { kind: 'vm', host: 'h1' },
      site: 'dc1',
      lease: null,
      vmAllowed: true,
      requirements: { arch: 'x86_64', cores: 4, memoryGiB: 16 },
    });
    expect(personaOf(view, 'batch')).toMatchObject({
      placement: { kind: 'none' },
      site: null,
      home: { machine: 'a2' },
    });

    const [dc1, dc2] = view.sites;
    expect(dc1).toEqual({
      name: 'dc1',
      ledgerVersion: 7,
      machines: {
        total: 3,
        byPool: { spare: 2, repurposable: 1, dedicated: 0 },
        byRole: { idle: 0, persona: 1, hypervisor: 1, unrecorded: 1 },
      },
      leases: 2,
      personas: { placed: 2, notPlaced: 1 },
    });
    expect(dc2).toMatchObject({
      ledgerVersion: 2,
      machines: { byRole: { persona: 1, unrecorded: 0 } },
      leases: 0,
      personas: { placed: 1, notPlaced: 0 },
    });
    expect(view.totals).toEqual({ machines: 4, personas: 4, placed: 3, notPlaced: 1, leases: 2 });
    expect(view.issues).toEqual([]);
  });

  it('lists each cluster with its resting hosts and the machines the ledger records as its hosts', () => {
    const withCluster = buildTopology({
      machines: [
        { id: 'h1', cores: 48, memoryGiB: 384, pool: 'spare' },
        { id: 'h2', cores: 48, memoryGiB: 384, pool: 'spare' },
      ],
      personas: [
        {
          name: 'app',
          priority: 3,
          cores: 4,
          memoryGiB: 16,
          vmAllowed: true,
          home: { host: 'h2', vm: true },
        },
      ],
    });
    const state = ledger('dc1', {
      machines: {
        h1: { machine: 'h1', power: 'on', role: 'hypervisor', cluster: 'zz-cluster', updatedAt: T },
      },
    });
    const view = inventoryView(withCluster, [state]);
    expect(view.clusters).toEqual([
      { name: 'zz-cluster', image: 'kvm-host', sites: null, restingHosts: ['h2'], hosts: ['h1'] },
    ]);
    expect(machineOf(view, 'h1').record).toMatchObject({
      role: 'hypervisor',
      cluster: 'zz-cluster',
    });
    expect(inventoryViewSchema.safeParse(view).success).toBe(true);
  });

  it('answers the schema the CLI parses it with, and carries no credential', () => {
    const view = inventoryView(topology, live());
    expect(inventoryViewSchema.parse(view)).toEqual(view);
    expect(machineOf(view, 'a1').bmc).toEqual({
      driver: 'ipmi',
      address: '127.0.0.1',
      port: 30000,
    });
    expect(JSON.stringify(view)).not.toMatch(/credential|lab-bmc|lab-switch/);
  });

  it('leaves out and reports entries that name what the topology lacks', () => {
    const [dc1, dc2] = live();
    dc1!.placements.ghost = { kind: 'machine', machine: 'a2' };
    dc1!.placements.batch = { kind: 'machine', machine: 'z9' };
    dc1!.leases['machine:z9'] = lease('machine:z9', 'repurpose/x/1');
    dc1!.leases['persona:ghost'] = lease('persona:ghost', 'repurpose/x/1');
    dc1!.machines.z9 = { machine: 'z9', power: 'on', role: 'idle', updatedAt: T };
    dc1!.bootAssignments['52:54:00:ff:ff:ff'] = {
      mac: '52:54:00:ff:ff:ff',
      machine: 'a1',
      persona: 'web',
      image: 'pxe-img',
    };
    dc1!.bootAssignments['52:54:00:ee:00:01'] = {
      mac: '52:54:00:ee:00:01',
      machine: 'a1',
      persona: 'web',
      image: 'pxe-img',
    };
    const view = inventoryView(topology, [dc1!, dc2!, ledger('dc9')]);

    expect(view.issues.map((i) => `${i.site} ${i.entry}`)).toEqual([
      'dc9 (ledger)',
      'dc1 placements.batch',
      'dc1 placements.ghost',
      'dc1 leases.machine:z9',
      'dc1 leases.persona:ghost',
      'dc1 machines.z9',
      'dc1 bootAssignments.52:54:00:ee:00:01',
      'dc1 bootAssignments.52:54:00:ff:ff:ff',
    ]);
    expect(view.issues.find((i) => i.entry === 'placements.batch')).toMatchObject({
      persona: 'batch',
      message: 'placed on unknown machine "z9"; ignored',
    });
    expect(view.issues.find((i) => i.entry === 'bootAssignments.52:54:00:ee:00:01')).toMatchObject({
      machine: 'a2',
      message: 'MAC 52:54:00:ee:00:01 belongs to machine "a2", not "a1"; ignored',
    });
    // None of it reaches the view: a2 stays empty, batch unplaced, the leases count only what is
    // shown.
    expect(machineOf(view, 'a2')).toMatchObject({ persona: null, nics: [{ boot: null }] });
    expect(personaOf(view, 'batch').placement).toEqual({ kind: 'none' });
    expect(view.personas.map((p) => p.name)).not.toContain('ghost');
    expect(view.sites[0]!.leases).toBe(2);
    // Everything else is as before.
    expect(machineOf(view, 'a1').persona).toBe('web');
  });

  it("shows a persona moved to another site where it runs: the old site ledger's none is no contradiction", () => {
    for (const order of [
      ['dc1', 'dc2'],
      ['dc2', 'dc1'],
    ]) {
      const ledgers = order.map((site) =>
        ledger(site, {
          placements: {
            db: site === 'dc1' ? { kind: 'machine', machine: 'a1' } : ({ kind: 'none' } as const),
          },
        }),
      );
      const view = inventoryView(topology, ledgers);
      expect(personaOf(view, 'db').placement).toEqual({ kind: 'machine', machine: 'a1' });
      expect(machineOf(view, 'a1').persona).toBe('db');
      expect(view.issues).toEqual([]);
    }
  });

  it('reports contradictions between entries and shows the first one', () => {
    const [dc1, dc2] = live();
    // batch claims a1 too; a1's lease is also in dc2's ledger; web is placed and leased in both
    // ledgers.
    dc1!.placements.batch = { kind: 'machine', machine: 'a1' };
    dc2!.leases['machine:a1'] = lease('machine:a1', 'repurpose/other/1');
    dc2!.machines.a1 = { machine: 'a1', power: 'off', role: 'idle', updatedAt: T };
    dc2!.placements.web = { kind: 'machine', machine: 'b1' };
    dc2!.leases['persona:web'] = lease('persona:web', 'repurpose/other/1');
    const view = inventoryView(topology, [dc1!, dc2!]);

    expect(machineOf(view, 'a1')).toMatchObject({
      persona: 'batch',
      record: { power: 'on' },
      lease: { holder: 'repurpose/web/20261102T100000Z-ab12' },
    });
    expect(personaOf(view, 'web')).toMatchObject({
      placement: { kind: 'machine', machine: 'a1' },
      lease: { holder: 'repurpose/web/20261102T100000Z-ab12' },
    });
    expect(machineOf(view, 'b1').persona).toBe('db');
    expect(view.issues).toEqual([
      {
        site: 'dc2',
        entry: 'placements.web',
        persona: 'web',
        message: 'also placed by the ledger of site dc1, which is shown; ignored',
      },
      {
        site: 'dc2',
        entry: 'leases.machine:a1',
        machine: 'a1',
        message:
          'machine "a1" is at site dc1, so its entry belongs in that site\'s ledger; ignored',
      },
      {
        site: 'dc2',
        entry: 'leases.persona:web',
        persona: 'web',
        message:
          'also leased in the ledger of site dc1 (by repurpose/web/20261102T100000Z-ab12), which is shown; ignored',
      },
      {
        site: 'dc2',
        entry: 'machines.a1',
        machine: 'a1',
        message:
          'machine "a1" is at site dc1, so its entry belongs in that site\'s ledger; ignored',
      },
      {
        site: 'dc1',
        entry: 'placements.web',
        machine: 'a1',
        persona: 'web',
        message: 'machine "a1" also has "batch" placed on it, which the machine shows',
      },
    ]);
    expect(view.sites[1]!.leases).toBe(0);
  });
});
