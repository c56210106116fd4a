import type { Topology } from '../../inventory/topology-schema';
import type { FailoverLimits } from '../../domain/failover/failover-scope';
import type { GateKey } from './concurrency-gate';

/**
 * What a failover step touches: the machine it boots (its BMC and its switches), and the persona's
 * arrays.
 */
export interface Move {
  /**
   * The machine whose BMC is pressed and whose ports change (a persona's target, or a new host).
   */
  readonly machine?: string;
  /** A VM move's host: its trunk ports change, its BMC is not touched. */
  readonly host?: string;
  readonly persona?: string;
}

/**
 * The concurrency keys of a move, from the topology (pure, so the workflow computes them):
 * per BMC (machine maxParallel), per switch (switch maxParallel), per array (array
 * maxParallel), per target site (limits.parallelMoves), and the failover's overall limit when
 * given. The input's limits override the topology's.
 */
export function moveKeys(topology: Topology, move: Move, limits: FailoverLimits): GateKey[] {
  const machines = new Map(
    topology.sites.flatMap((s) => s.machines.map((m) => [m.id, { m, site: s }] as const)),
  );
  const switches = new Map(
    topology.sites.flatMap((s) => s.switches.map((w) => [w.id, w] as const)),
  );
  const arrays = new Map(topology.sites.flatMap((s) => s.arrays.map((a) => [a.id, a] as const)));
  const keys: GateKey[] = [];
  const where = machines.get(move.machine ?? move.host ?? '');
  if (where !== undefined) {
    keys.push({
      key: `site:${where.site.name}`,
      limit: limits.overall ?? where.site.limits.parallelMoves,
    });
    if (move.machine !== undefined)
      keys.push({ key: `bmc:${where.m.id}`, limit: limits.perBmc ?? where.m.maxParallel });
    for (const nic of where.m.nics) {
      const sw = switches.get(nic.switch);
      if (sw !== undefined)
        keys.push({ key: `switch:${sw.id}`, limit: limits.perSwitch ?? sw.maxParallel });
    }
  }
  if (limits.overall !== undefined) keys.push({ key: 'overall', limit: limits.overall });
  const persona = topology.personas.find((p) => p.name === move.persona);
  for (const lun of persona?.luns ?? []) {
    const array = arrays.get(lun.array);
    if (array !== undefined)
      keys.push({ key: `array:${array.id}`, limit: limits.perArray ?? array.maxParallel });
  }
  return [...new Map(keys.map((k) => [k.key, k])).values()].sort((a, b) =>
    a.key < b.key ? -1 : a.key > b.key ? 1 : 0,
  );
}
