import { criticalPath, moveMs, plannedMoves, type PlannedMove } from '../../bench/critical-path';
import { failoverTopology } from '../../bench/failover-topology';
import { LATENCY_PROFILES } from '../../bench/latency-profiles';
import { parseTopology } from '../../inventory/load-topology';
import { planFailover } from '../../domain/planner/planner';
import { plannerInputSchema } from '../../domain/planner/planner-input';

const move = (id: string, ms: number, keys: [string, number][], after?: string): PlannedMove => ({
  id,
  kind: after === undefined ? 'machine' : 'vm',
  ms,
  keys: keys.map(([key, limit]) => ({ key, limit })),
  ...(after !== undefined && { after }),
});

describe('bench critical path of a failover plan', () => {
  it('runs moves that share no key side by side, and queues those over a key limit', () => {
    const free = criticalPath([
      { priority: 1, moves: [move('a', 10, [['bmc:1', 1]]), move('b', 30, [['bmc:2', 1]])] },
    ]);
    expect(free.totalMs).toBe(30);
    // Three moves through a switch that takes two at once: a and b together, c when a ends.
    const queued = criticalPath([
      {
        priority: 1,
        moves: [
          move('a', 10, [['switch:s', 2]]),
          move('b', 30, [['switch:s', 2]]),
          move('c', 25, [['switch:s', 2]]),
        ],
      },
    ]);
    expect(queued.totalMs).toBe(35);
  });

  it('runs groups one after the other and gives each group its end', () => {
    const path = criticalPath([
      { priority: 1, moves: [move('a', 10, [])] },
      { priority: 2, moves: [move('b', 5, []), move('c', 7, [])] },
    ]);
    expect(path.groups).toEqual([
      { priority: 1, endMs: 10 },
      { priority: 2, endMs: 17 },
    ]);
    expect(path.longestMoveMs).toBe(10);
  });

  it('starts a VM only once its new host is up', () => {
    const host: PlannedMove = { id: 'host:h', kind: 'host', ms: 100, keys: [] };
    const path = criticalPath([
      { priority: 1, moves: [host, move('vm', 20, [], 'host:h'), move('m', 50, [])] },
    ]);
    expect(path.totalMs).toBe(120);
  });

  it('prices a machine move with POST and boot, an eviction with the occupant shutdown', () => {
    const real = LATENCY_PROFILES.real;
    const plain = moveMs('machine', real, 1, false);
    expect(plain).toBe(
      2 * 3 * real.arrayCommandMs +
        real.switchCommitMs +
        real.powerDelayMs +
        real.postMs +
        real.osBootMs,
    );
    expect(moveMs('machine', real, 1, true) - plain).toBe(real.shutdownMs + real.powerDelayMs);
    expect(moveMs('vm', real, 1, false)).toBeLessThan(plain);
  });

  it('on a generated plan: bounded below by its longest move, above by the moves in a row', () => {
    const g = failoverTopology({ personas: 20, basePort: 21_000 });
    const topology = parseTopology(g.topology);
    const failed = topology.sites[0]!.machines.filter((m) => g.lostRacks.includes(m.rack)).map(
      (m) => m.id,
    );
    const plan = planFailover(plannerInputSchema.parse({ topology, failedMachines: failed }));
    const groups = plannedMoves(plan, topology, {}, LATENCY_PROFILES.real);
    const all = groups.flatMap((x) => x.moves);
    expect(all.filter((m) => m.kind !== 'host')).toHaveLength(
      plan.restorations.filter((r) => r.outcome === 'restored').length,
    );
    const path = criticalPath(groups);
    expect(path.totalMs).toBeGreaterThanOrEqual(path.longestMoveMs);
    expect(path.totalMs).toBeLessThan(all.reduce((s, m) => s + m.ms, 0));
    expect(path.groups.map((x) => x.priority)).toEqual(plan.groups.map((x) => x.priority));
  });
});
