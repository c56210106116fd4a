import fc from 'fast-check';
import type { Arch } from '../../inventory/topology-schema';
import { CapacityBound } from '../../domain/planner/capacity-bound';
import { failoverPlanSchema, type FailoverPlan } from '../../domain/planner/failover-plan';
import { planFailover } from '../../domain/planner/planner';
import {
  plannerInputSchema,
  type PlannerInput,
  type Placement,
} from '../../domain/planner/planner-input';
import { buildTopology, type MachineSpec, type PersonaSpec } from './planner-fixtures';

/**
 * Random data centers, random fires. Every check here recomputes the rules from the
 * scenario itself, not from the planner's model, so a bug in how the planner reads the
 * ledger shows up as a broken rule.
 */

interface GenMachine {
  arch: Arch;
  cores: number;
  memoryGiB: number;
  pool: 'spare' | 'repurposable' | 'dedicated';
  priority: number;
  site: 'dc1' | 'dc2';
  failed: boolean;
  host: boolean;
  power: 'on' | 'off' | 'unknown';
  healthy: boolean;
  leased: 'no' | 'other' | 'mine';
}

interface GenPersona {
  priority: number;
  arch: Arch;
  cores: number;
  memoryGiB: number;
  vmAllowed: boolean;
  /**
   * burned: on a machine of its own that is in the fire; machine: on one of the generated machines.
   */
  placeKind: 'burned' | 'machine' | 'vm' | 'none';
  place: number;
  inTopology: boolean;
  leased: boolean;
}

interface Scenario {
  machines: GenMachine[];
  personas: GenPersona[];
  allowRepurpose: boolean;
  sparesOnly: boolean;
  overhead: { cores: number; memoryGiB: number };
  hypervisorImage: boolean;
  targetSites: 'all' | 'dc1' | 'dc2';
  searchNodes: number;
  seed: number;
}

const arch = fc.constantFrom<Arch>('x86_64', 'x86_64', 'x86_64', 'x86_64', 'x86_64', 'aarch64');
const machineArb = fc.record({
  arch,
  cores: fc.constantFrom(4, 8, 16, 32, 64),
  memoryGiB: fc.constantFrom(16, 32, 64, 128, 256),
  pool: fc.constantFrom<GenMachine['pool']>(
    'spare',
    'spare',
    'repurposable',
    'repurposable',
    'repurposable',
    'repurposable',
    'dedicated',
  ),
  priority: fc.constantFrom(1, 2, 3, 4, 4, 5, 5, 5),
  site: fc.constantFrom<GenMachine['site']>('dc1', 'dc1', 'dc1', 'dc2'),
  failed: fc.constantFrom(false, false, false, false, false, false, false, true),
  host: fc.constantFrom(false, false, false, true),
  power: fc.constantFrom<GenMachine['power']>(
    'on',
    'on',
    'off',
    'off',
    'off',
    'off',
    'off',
    'off',
    'off',
    'unknown',
  ),
  healthy: fc.constantFrom(true, true, true, true, true, true, true, true, true, false),
  leased: fc.constantFrom<GenMachine['leased']>(
    'no',
    'no',
    'no',
    'no',
    'no',
    'no',
    'no',
    'no',
    'other',
    'mine',
  ),
});
const personaArb = fc.record({
  priority: fc.integer({ min: 1, max: 5 }),
  arch,
  cores: fc.constantFrom(2, 4, 4, 8, 8, 16, 32),
  memoryGiB: fc.constantFrom(8, 16, 16, 32, 32, 64, 128),
  vmAllowed: fc.constantFrom(true, true, false),
  placeKind: fc.constantFrom<GenPersona['placeKind']>(
    'burned',
    'burned',
    'burned',
    'burned',
    'machine',
    'machine',
    'machine',
    'vm',
    'none',
  ),
  place: fc.nat(),
  inTopology: fc.boolean(),
  leased: fc.constantFrom(false, false, false, false, false, false, false, false, false, true),
});
function scenarioArb(maxMachines: number, maxPersonas: number): fc.Arbitrary<Scenario> {
  return fc
    .record({
      machines: fc.array(machineArb, {
        minLength: Math.min(3, maxMachines),
        maxLength: maxMachines,
      }),
      personas: fc.array(personaArb, { minLength: 2, maxLength: maxPersonas, size: 'max' }),
      allowRepurpose: fc.constantFrom(true, true, false),
      sparesOnly: fc.constantFrom(false, false, false, false, false, true),
      overhead: fc.record({
        cores: fc.integer({ min: 0, max: 4 }),
        memoryGiB: fc.constantFrom(0, 8, 16),
      }),
      hypervisorImage: fc.constantFrom(true, true, true, false),
      targetSites: fc.constantFrom<Scenario['targetSites']>(
        'all',
        'all',
        'all',
        'all',
        'dc1',
        'dc2',
      ),
      searchNodes: fc.constantFrom(50_000, 50_000, 50_000, 1, 20),
      seed: fc.integer(),
      flavor: fc.constantFrom<Flavor>('mixed', 'evictions', 'packing'),
    })
    .map(({ flavor, ...s }) =>
      withBurned(flavored(flavor, s.sparesOnly ? { ...s, allowRepurpose: false } : s)),
    );
}

/**
 * Uniform draws rarely make evictions or packing matter, so two thirds of the cases are
 * bent towards them: occupants of low priority on repurposable machines and important
 * lost personas; or VM-capable personas and big machines.
 */
type Flavor = 'mixed' | 'evictions' | 'packing';
function flavored(flavor: Flavor, sc: Scenario): Scenario {
  if (flavor === 'evictions') {
    return {
      ...sc,
      allowRepurpose: true,
      sparesOnly: false,
      machines: sc.machines.map((m) => ({
        ...m,
        pool: m.pool === 'spare' ? 'repurposable' : m.pool,
        priority: 4 + (m.priority % 2),
      })),
      personas: sc.personas.map((p) => ({
        ...p,
        priority: p.placeKind === 'machine' ? 4 + (p.priority % 2) : 1 + (p.priority % 3),
      })),
    };
  }
  if (flavor === 'packing') {
    return {
      ...sc,
      machines: sc.machines.map((m) => ({
        ...m,
        cores: Math.max(m.cores, 32),
        memoryGiB: Math.max(m.memoryGiB, 128),
      })),
      personas: sc.personas.map((p) => ({ ...p, vmAllowed: p.vmAllowed || p.priority % 2 === 0 })),
    };
  }
  return sc;
}

/**
 * Few machines, all usable, low-priority occupants on them, several lost personas mostly
 * VM-capable: where choosing hosts and evictions well takes search and the bound prunes.
 */
function tightScenarioArb(): fc.Arbitrary<Scenario> {
  const machine = fc.record({
    cores: fc.constantFrom(16, 32, 64),
    memoryGiB: fc.constantFrom(64, 128, 256),
    pool: fc.constantFrom<GenMachine['pool']>('spare', 'repurposable', 'repurposable'),
    priority: fc.integer({ min: 2, max: 5 }),
    host: fc.constantFrom(false, false, false, true),
  });
  const persona = (kind: GenPersona['placeKind'], min: number, max: number) =>
    fc.record({
      priority: fc.integer({ min, max }),
      cores: fc.constantFrom(4, 8, 8, 16, 32),
      memoryGiB: fc.constantFrom(16, 32, 32, 64, 128),
      vmAllowed: fc.constantFrom(true, true, false),
      place: fc.nat(),
      placeKind: fc.constant(kind),
    });
  return fc
    .record({
      machines: fc.array(machine, { minLength: 2, maxLength: 4 }),
      lost: fc.array(persona('burned', 1, 4), { minLength: 3, maxLength: 6 }),
      occupants: fc.array(persona('machine', 2, 5), { maxLength: 3 }),
      overhead: fc.record({
        cores: fc.integer({ min: 0, max: 4 }),
        memoryGiB: fc.constantFrom(0, 8),
      }),
      seed: fc.integer(),
    })
    .map(({ machines, lost, occupants, overhead, seed }) =>
      withBurned({
        machines: machines.map((m) => ({
          ...m,
          arch: 'x86_64',
          site: 'dc1',
          failed: false,
          power: 'on',
          healthy: true,
          leased: 'no',
        })),
        personas: [...lost, ...occupants].map((p) => ({
          ...p,
          arch: 'x86_64',
          inTopology: false,
          leased: false,
        })),
        allowRepurpose: true,
        sparesOnly: false,
        overhead,
        hypervisorImage: true,
        targetSites: 'all',
        searchNodes: 50_000,
        seed,
      }),
    );
}

/**
 * Hand-made cases where a bound that looks plausible is wrong; random draws rarely make
 * them. Here a priority-1 VM may evict a priority-2 occupant to open a host, and the
 * priority-3 VMs can only run in the room left on it.
 */
function evictedHostRoom(): Scenario {
  const machine = (over: Partial<GenMachine>): GenMachine => ({
    arch: 'x86_64',
    cores: 8,
    memoryGiB: 32,
    pool: 'spare',
    priority: 5,
    site: 'dc1',
    failed: false,
    host: false,
    power: 'on',
    healthy: true,
    leased: 'no',
    ...over,
  });
  const persona = (over: Partial<GenPersona>): GenPersona => ({
    priority: 3,
    arch: 'x86_64',
    cores: 8,
    memoryGiB: 32,
    vmAllowed: true,
    placeKind: 'burned',
    place: 0,
    inTopology: false,
    leased: false,
    ...over,
  });
  return withBurned({
    machines: [machine({ pool: 'repurposable', cores: 64, memoryGiB: 256 }), machine({})],
    personas: [
      persona({ priority: 1, cores: 4, memoryGiB: 16 }),
      persona({ priority: 2, vmAllowed: false }),
      persona({ priority: 2, vmAllowed: false, placeKind: 'machine', place: 0 }),
      persona({}),
      persona({}),
      persona({}),
    ],
    allowRepurpose: true,
    sparesOnly: false,
    overhead: { cores: 2, memoryGiB: 8 },
    hypervisorImage: true,
    targetSites: 'all',
    searchNodes: 50_000,
    seed: 1,
  });
}

/** The scenario's ground truth, worked out here independently of the planner. */
interface World {
  input: PlannerInput;
  machineIds: string[];
  personaNames: string[];
  placement: Map<string, Placement>;
  occupantOf: Map<string, number>;
  vmsOn: Map<string, number[]>;
  hosts: Set<string>;
  failed: Set<string>;
}

const mid = (i: number): string => `m-${((i * 7919) % 1000).toString().padStart(3, '0')}-${i}`;
const pid = (i: number): string => `p-${((i * 104729) % 1000).toString().padStart(3, '0')}-${i}`;

/** The generated machines, then one burned machine per persona placed `burned`. */
function withBurned(sc: Scenario): Scenario {
  const burned: GenMachine[] = sc.personas
    .filter((p) => p.placeKind === 'burned')
    .map((p) => ({
      arch: p.arch,
      cores: 64,
      memoryGiB: 256,
      pool: 'dedicated',
      priority: 1,
      site: 'dc1',
      failed: true,
      host: false,
      power: 'off',
      healthy: true,
      leased: 'no',
    }));
  let next = sc.machines.length;
  const personas = sc.personas.map((p) =>
    p.placeKind === 'burned'
      ? { ...p, placeKind: 'machine' as const, place: next++ }
      : p.placeKind === 'machine'
        ? { ...p, place: p.place % sc.machines.length }
        : p,
  );
  return { ...sc, machines: [...sc.machines, ...burned], personas };
}

function world(sc: Scenario): World {
  const machineIds = sc.machines.map((_, i) => mid(i));
  const personaNames = sc.personas.map((_, i) => pid(i));
  const hostIdx = sc.machines.map((m, i) => (m.host ? i : -1)).filter((i) => i >= 0);
  const hosts = new Set(hostIdx.map((i) => machineIds[i] as string));
  const placement = new Map<string, Placement>();
  const occupantOf = new Map<string, number>();
  const vmsOn = new Map<string, number[]>();
  sc.personas.forEach((p, i) => {
    let place: Placement = { kind: 'none' };
    if (p.placeKind === 'machine') {
      const m = machineIds[p.place % machineIds.length] as string;
      if (!hosts.has(m) && !occupantOf.has(m)) {
        place = { kind: 'machine', machine: m };
        occupantOf.set(m, i);
      }
    } else if (p.placeKind === 'vm' && hostIdx.length > 0) {
      const h = machineIds[hostIdx[p.place % hostIdx.length] as number] as string;
      place = { kind: 'vm', host: h };
      vmsOn.set(h, [...(vmsOn.get(h) ?? []), i]);
    }
    placement.set(personaNames[i] as string, place);
  });
  const failed = new Set(machineIds.filter((_, i) => sc.machines[i]?.failed));
  if (failed.size === 0) failed.add(machineIds[0] as string);

  const machines: MachineSpec[] = sc.machines.map((m, i) => ({
    id: machineIds[i] as string,
    site: m.site,
    arch: m.arch,
    cores: m.cores,
    memoryGiB: m.memoryGiB,
    pool: m.pool,
    priority: m.priority,
  }));
  const personas: PersonaSpec[] = sc.personas.map((p, i) => {
    const place = placement.get(personaNames[i] as string) as Placement;
    const home =
      !p.inTopology || place.kind === 'none'
        ? undefined
        : place.kind === 'machine'
          ? { machine: place.machine }
          : { host: place.host, vm: true as const };
    return {
      name: personaNames[i] as string,
      priority: p.priority,
      arch: p.arch,
      cores: p.cores,
      memoryGiB: p.memoryGiB,
      vmAllowed: p.vmAllowed,
      ...(home ? { home } : {}),
    };
  });
  const topology = buildTopology({ machines, personas, hostOverhead: sc.overhead });
  const sites = new Set(topology.sites.map((s) => s.name));
  const targetSites =
    sc.targetSites === 'all' || !sites.has(sc.targetSites) ? undefined : [sc.targetSites];
  const input = plannerInputSchema.parse({
    topology,
    failedMachines: [...failed],
    ledger: {
      placements: sc.personas.flatMap((p, i) => {
        const place = placement.get(personaNames[i] as string) as Placement;
        return p.inTopology && place.kind !== 'none'
          ? []
          : [{ persona: personaNames[i], placement: place }];
      }),
      hypervisorHosts: [...hosts],
      machines: sc.machines.map((m, i) => ({
        machine: machineIds[i],
        power: m.power,
        healthy: m.healthy,
      })),
      leases: [
        ...sc.machines.flatMap((m, i) =>
          m.leased === 'no'
            ? []
            : [
                {
                  kind: 'machine',
                  id: machineIds[i],
                  holder: m.leased === 'mine' ? 'me' : 'someone-else',
                },
              ],
        ),
        ...sc.personas.flatMap((p, i) =>
          p.leased ? [{ kind: 'persona', id: personaNames[i], holder: 'someone-else' }] : [],
        ),
      ],
    },
    options: {
      allowRepurpose: sc.allowRepurpose,
      sparesOnly: sc.sparesOnly,
      newHosts: sc.hypervisorImage,
      holder: 'me',
      searchNodes: sc.searchNodes,
      ...(targetSites ? { targetSites } : {}),
    },
  });
  return { input, machineIds, personaNames, placement, occupantOf, vmsOn, hosts, failed };
}

/** What the rules allow for each machine, straight from the scenario. */
function rules(sc: Scenario, w: World) {
  const mIndex = new Map(w.machineIds.map((id, i) => [id, i]));
  const pIndex = new Map(w.personaNames.map((n, i) => [n, i]));
  const m = (id: string): GenMachine => sc.machines[mIndex.get(id) as number] as GenMachine;
  const p = (name: string): GenPersona => sc.personas[pIndex.get(name) as number] as GenPersona;
  const usable = (id: string): boolean => {
    const x = m(id);
    const targets = w.input.options.targetSites;
    return (
      (targets === undefined || targets.includes(x.site)) &&
      !w.failed.has(id) &&
      x.leased !== 'other' &&
      x.power !== 'unknown' &&
      x.healthy
    );
  };
  const reachable = (id: string): boolean => usable(id) && m(id).pool !== 'dedicated';
  /**
   * Priority of the occupant taking the machine evicts; 0 when free; undefined when it may not be
   * taken.
   */
  const takeCost = (id: string): number | undefined => {
    const x = m(id);
    if (!reachable(id) || w.hosts.has(id)) return undefined;
    const occ = w.occupantOf.get(id);
    if (occ === undefined) return x.pool === 'spare' || !sc.sparesOnly ? 0 : undefined;
    const o = sc.personas[occ] as GenPersona;
    if (x.pool !== 'repurposable' || o.leased || !w.input.options.allowRepurpose) return undefined;
    return Math.min(x.priority, o.priority);
  };
  const hostRoom = (id: string): { cores: number; memoryGiB: number } | undefined => {
    // A host's room is used whatever its pool: a dedicated machine runs as a cluster's host.
    if (!w.hosts.has(id) || !usable(id) || sc.sparesOnly) return undefined;
    const vms = (w.vmsOn.get(id) ?? []).map((i) => sc.personas[i] as GenPersona);
    return {
      cores: m(id).cores - sc.overhead.cores - vms.reduce((s, v) => s + v.cores, 0),
      memoryGiB: m(id).memoryGiB - sc.overhead.memoryGiB - vms.reduce((s, v) => s + v.memoryGiB, 0),
    };
  };
  const lost = w.personaNames.filter((n) => {
    const place = w.placement.get(n) as Placement;
    return (
      (place.kind === 'machine' && w.failed.has(place.machine)) ||
      (place.kind === 'vm' && w.failed.has(place.host))
    );
  });
  return { m, p, takeCost, hostRoom, lost };
}

/** Restored minus evicted, per priority level. */
function levels(plan: FailoverPlan): number[] {
  const v = [0, 0, 0, 0, 0];
  for (const r of plan.restorations)
    if (r.outcome === 'restored') v[r.priority - 1] = (v[r.priority - 1] ?? 0) + 1;
  for (const e of plan.evictions) v[e.occupantPriority - 1] = (v[e.occupantPriority - 1] ?? 0) - 1;
  return v;
}

function checkPlan(sc: Scenario, w: World, plan: FailoverPlan): void {
  const { m, p, takeCost, hostRoom, lost } = rules(sc, w);
  // The plan travels through workflow results and the API, checked against its schema there.
  expect(failoverPlanSchema.parse(plan)).toEqual(plan);
  // Every lost persona exactly once, nobody else.
  expect(plan.restorations.map((r) => r.persona).sort()).toEqual([...lost].sort());

  const whole = new Map<string, string>();
  const newHosts = new Map(plan.hypervisorHosts.map((h) => [h.machine, h]));
  const vms = new Map<string, string[]>();
  for (const r of plan.restorations) {
    const persona = p(r.persona);
    expect(r.priority).toBe(persona.priority);
    if (persona.leased)
      expect(r).toMatchObject({ outcome: 'not-restored', reason: 'persona-leased' });
    if (r.outcome !== 'restored') continue;
    if (r.target.kind === 'machine') {
      const id = r.target.machine;
      expect(whole.has(id) || newHosts.has(id)).toBe(false);
      whole.set(id, r.persona);
      const cost = takeCost(id);
      expect(cost).toBeDefined();
      if (cost !== 0) expect(cost as number).toBeGreaterThan(persona.priority);
      expect([
        m(id).arch,
        m(id).cores >= persona.cores,
        m(id).memoryGiB >= persona.memoryGiB,
      ]).toEqual([persona.arch, true, true]);
    } else {
      expect(persona.vmAllowed).toBe(true);
      expect(r.target.newHost).toBe(newHosts.has(r.target.host));
      vms.set(r.target.host, [...(vms.get(r.target.host) ?? []), r.persona]);
    }
  }
  // Hosts: a new one is a takeable machine, evicting only for its highest-priority VM; no host over
  // capacity.
  for (const [host, names] of vms) {
    const guests = names.map(p);
    const room = newHosts.has(host)
      ? {
          cores: m(host).cores - sc.overhead.cores,
          memoryGiB: m(host).memoryGiB - sc.overhead.memoryGiB,
        }
      : (hostRoom(host) as { cores: number; memoryGiB: number });
    expect(room).toBeDefined();
    expect(guests.reduce((s, g) => s + g.cores, 0)).toBeLessThanOrEqual(room.cores);
    expect(guests.reduce((s, g) => s + g.memoryGiB, 0)).toBeLessThanOrEqual(room.memoryGiB);
    for (const g of guests) expect(g.arch).toBe(m(host).arch);
    if (newHosts.has(host)) {
      expect(sc.hypervisorImage).toBe(true);
      const cost = takeCost(host);
      expect(cost).toBeDefined();
      if (cost !== 0)
        expect(cost as number).toBeGreaterThan(Math.min(...guests.map((g) => g.priority)));
      expect([...(newHosts.get(host)?.vms ?? [])].sort()).toEqual([...names].sort());
    }
  }
  expect([...newHosts.keys()].every((h) => vms.has(h))).toBe(true);

  // Evictions: exactly the occupied machines taken, each for a persona of strictly higher priority.
  const taken = [...whole.keys(), ...newHosts.keys()];
  const expected = taken.filter((id) => w.occupantOf.has(id)).sort();
  expect(plan.evictions.map((e) => e.machine)).toEqual(expected);
  for (const e of plan.evictions) {
    expect(e.occupant).toBe(w.personaNames[w.occupantOf.get(e.machine) as number]);
    expect(e.occupantPriority).toBe(takeCost(e.machine));
    expect(p(e.for).priority).toBeLessThan(e.occupantPriority);
    expect(m(e.machine).pool).toBe('repurposable');
  }
  for (const id of taken) {
    expect(m(id).pool).not.toBe('dedicated');
    expect(w.failed.has(id)).toBe(false);
    if (sc.sparesOnly) expect(m(id).pool).toBe('spare');
  }

  // Nothing left standing that an unrestored persona could have used.
  const leftRoom = new Map<string, { cores: number; memoryGiB: number }>();
  for (const id of w.machineIds) {
    const base = newHosts.has(id)
      ? {
          cores: m(id).cores - sc.overhead.cores,
          memoryGiB: m(id).memoryGiB - sc.overhead.memoryGiB,
        }
      : hostRoom(id);
    if (base === undefined) continue;
    const guests = (vms.get(id) ?? []).map(p);
    leftRoom.set(id, {
      cores: base.cores - guests.reduce((s, g) => s + g.cores, 0),
      memoryGiB: base.memoryGiB - guests.reduce((s, g) => s + g.memoryGiB, 0),
    });
  }
  for (const r of plan.restorations) {
    if (r.outcome === 'restored' || r.reason === 'persona-leased') continue;
    const q = p(r.persona);
    for (const id of w.machineIds) {
      const cost = takeCost(id);
      const free =
        cost !== undefined &&
        !taken.includes(id) &&
        (cost === 0 || cost > q.priority) &&
        m(id).arch === q.arch;
      expect(free && m(id).cores >= q.cores && m(id).memoryGiB >= q.memoryGiB).toBe(false);
      if (!q.vmAllowed) continue;
      expect(
        free &&
          sc.hypervisorImage &&
          m(id).cores - sc.overhead.cores >= q.cores &&
          m(id).memoryGiB - sc.overhead.memoryGiB >= q.memoryGiB,
      ).toBe(false);
      const room = leftRoom.get(id);
      expect(
        room !== undefined &&
          m(id).arch === q.arch &&
          room.cores >= q.cores &&
          room.memoryGiB >= q.memoryGiB,
      ).toBe(false);
    }
  }

  // Groups: priority order, every restored persona once, every new host once, with its
  // highest-priority VM.
  expect(plan.groups.map((g) => g.priority)).toEqual(
    [
      ...new Set(plan.restorations.filter((r) => r.outcome === 'restored').map((r) => r.priority)),
    ].sort(),
  );
  for (const r of plan.restorations) {
    const inGroups = plan.groups.filter((g) => g.personas.includes(r.persona));
    expect(inGroups.map((g) => g.priority)).toEqual(r.outcome === 'restored' ? [r.priority] : []);
  }
  for (const [host, names] of vms) {
    if (!newHosts.has(host)) continue;
    expect(
      plan.groups.filter((g) => g.hypervisorHosts.includes(host)).map((g) => g.priority),
    ).toEqual([Math.min(...names.map((n) => p(n).priority))]);
  }
  expect(plan.tally.map((t) => t.restored - t.evicted)).toEqual(levels(plan));
}

/**
 * What the planner optimizes: restored minus evicted per level (higher first), then evictions and
 * new hosts (fewer).
 */
function objective(plan: FailoverPlan): number[] {
  return [...levels(plan), 0 - plan.evictions.length, 0 - plan.hypervisorHosts.length];
}

/**
 * The best objective over every possible assignment, by exhaustive enumeration. With
 * `checkBound`, it also asserts at every node that the planner's CapacityBound is at least
 * the best its subtree reaches, level by level: the bound may be loose, never too low.
 */
function bruteForce(sc: Scenario, w: World, checkBound = false): number[] {
  const { p, takeCost, hostRoom, lost, m } = rules(sc, w);
  const movable = lost.filter((n) => !p(n).leased).sort((a, b) => p(a).priority - p(b).priority);
  const state = new Map<string, 'whole' | 'host'>();
  const room = new Map<string, { cores: number; memoryGiB: number }>();
  for (const id of w.machineIds) {
    const r = hostRoom(id);
    if (r) room.set(id, r);
  }
  const offerOf = (id: string, cost: number) => ({
    arch: m(id).arch,
    cores: m(id).cores,
    memoryGiB: m(id).memoryGiB,
    ...(cost ? { occupant: { priority: cost } } : {}),
  });
  const offers = w.machineIds.flatMap((id) => {
    const cost = takeCost(id);
    return cost === undefined ? [] : [offerOf(id, cost)];
  });
  const bound = new CapacityBound(movable.map(p), offers);
  offers.forEach((o) => bound.offer(o, 1));
  for (const [id, r] of room)
    bound.room(m(id).arch, Math.max(0, r.cores), Math.max(0, r.memoryGiB));

  /** Per level, then minus evictions, then minus new hosts. */
  const v = [0, 0, 0, 0, 0, 0, 0];
  const better = (a: readonly number[], b: readonly number[]): boolean => {
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return (a[i] ?? 0) > (b[i] ?? 0);
    return false;
  };
  const visit = (d: number): number[] => {
    if (d === movable.length) return [...v];
    const q = p(movable[d] as string);
    const lvl = q.priority - 1;
    const ub = checkBound ? bound.upperBound(d, v.slice(0, 5)) : [];
    let best = visit(d + 1);
    const keep = (found: number[]): void => {
      if (better(found, best)) best = found;
    };
    for (const id of w.machineIds) {
      const x = m(id);
      if (x.arch !== q.arch) continue;
      const cost = takeCost(id);
      const takeable = cost !== undefined && !state.has(id) && (cost === 0 || cost > q.priority);
      const take = (sign: 1 | -1): void => {
        bound.offer(offerOf(id, cost as number), sign === 1 ? -1 : 1);
        v[lvl] = (v[lvl] ?? 0) + sign;
        if (!cost) return;
        v[cost - 1] = (v[cost - 1] ?? 0) - sign;
        v[5] = (v[5] ?? 0) - sign;
      };
      if (takeable && x.cores >= q.cores && x.memoryGiB >= q.memoryGiB) {
        state.set(id, 'whole');
        take(1);
        keep(visit(d + 1));
        take(-1);
        state.delete(id);
      }
      if (!q.vmAllowed) continue;
      const host = {
        cores: x.cores - sc.overhead.cores - q.cores,
        memoryGiB: x.memoryGiB - sc.overhead.memoryGiB - q.memoryGiB,
      };
      if (takeable && sc.hypervisorImage && host.cores >= 0 && host.memoryGiB >= 0) {
        state.set(id, 'host');
        room.set(id, host);
        take(1);
        bound.room(x.arch, host.cores, host.memoryGiB);
        v[6] = (v[6] ?? 0) - 1;
        keep(visit(d + 1));
        v[6] = (v[6] ?? 0) + 1;
        bound.room(x.arch, -host.cores, -host.memoryGiB);
        take(-1);
        room.delete(id);
        state.delete(id);
      }
      const r = room.get(id);
      if (r && r.cores >= q.cores && r.memoryGiB >= q.memoryGiB) {
        room.set(id, { cores: r.cores - q.cores, memoryGiB: r.memoryGiB - q.memoryGiB });
        bound.room(x.arch, -q.cores, -q.memoryGiB);
        v[lvl] = (v[lvl] ?? 0) + 1;
        keep(visit(d + 1));
        v[lvl] = (v[lvl] ?? 0) - 1;
        bound.room(x.arch, q.cores, q.memoryGiB);
        room.set(id, r);
      }
    }
    if (checkBound) expect(better(best.slice(0, 5), ub)).toBe(false);
    return best;
  };
  return visit(0);
}

/** A deterministic Fisher-Yates shuffle, so that a failing case replays. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let s = seed >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

function shuffledInput(input: PlannerInput, seed: number): PlannerInput {
  const t = input.topology;
  return {
    ...input,
    topology: {
      ...t,
      sites: shuffled(t.sites, seed).map((s, i) => ({
        ...s,
        machines: shuffled(s.machines, seed + i + 1),
      })),
      personas: shuffled(t.personas, seed + 7),
      bootImages: shuffled(t.bootImages, seed + 11),
    },
    failedMachines: shuffled(input.failedMachines, seed + 13),
    ledger: {
      placements: shuffled(input.ledger.placements, seed + 17),
      hypervisorHosts: shuffled(input.ledger.hypervisorHosts, seed + 19),
      hostClusters: input.ledger.hostClusters,
      notHosts: shuffled(input.ledger.notHosts, seed + 31),
      machines: shuffled(input.ledger.machines, seed + 23),
      leases: shuffled(input.ledger.leases, seed + 29),
    },
  };
}

describe('planFailover properties', () => {
  it('obeys every rule: each lost persona once, no machine twice, capacities, arch, evictions only for higher priority, no dedicated/failed/leased machine, nothing usable left idle', () => {
    fc.assert(
      fc.property(scenarioArb(10, 14), (sc) => {
        const w = world(sc);
        checkPlan(sc, w, planFailover(w.input));
      }),
      { numRuns: 400 },
    );
  });

  it('is deterministic: the same input twice, and the same input with every array shuffled, give the same plan', () => {
    fc.assert(
      fc.property(scenarioArb(10, 14), (sc) => {
        const w = world(sc);
        const plan = planFailover(w.input);
        expect(planFailover(w.input)).toEqual(plan);
        expect(planFailover(shuffledInput(w.input, sc.seed))).toEqual(plan);
      }),
      { numRuns: 250 },
    );
  });

  it('is optimal when it says so: exhaustive search finds nothing better, level by level, then by fewer evictions and new hosts', () => {
    fc.assert(
      fc.property(fc.oneof(scenarioArb(5, 7), tightScenarioArb()), (sc) => {
        const w = world({ ...sc, searchNodes: 50_000 });
        const plan = planFailover(w.input);
        expect(plan.search.optimal).toBe(true);
        expect(objective(plan)).toEqual(bruteForce(sc, w));
      }),
      { numRuns: 400, examples: [[evictedHostRoom()]] },
    );
  });

  it('prunes soundly: at every node of an exhaustive search, the capacity bound is at least the best its subtree reaches', () => {
    fc.assert(
      fc.property(fc.oneof(scenarioArb(5, 7), tightScenarioArb()), (sc) => {
        const w = world(sc);
        bruteForce(sc, w, true);
      }),
      { numRuns: 300, examples: [[evictedHostRoom()]] },
    );
  });
});
