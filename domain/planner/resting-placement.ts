import type { Persona, Topology } from '../../inventory/topology-schema';
import { compareIds } from './compare-ids';
import type { Placement } from './planner-input';

function resting(persona: Persona, occupantOf: ReadonlyMap<string, string>): Placement {
  if (persona.home !== undefined) {
    return 'machine' in persona.home
      ? { kind: 'machine', machine: persona.home.machine }
      : { kind: 'vm', host: persona.home.host };
  }
  const machine = occupantOf.get(persona.name);
  return machine === undefined ? { kind: 'none' } : { kind: 'machine', machine };
}

/**
 * The topology's idea of where each persona runs, for wherever the ledger has no entry for it:
 * its home; else the first machine (by id) naming it as occupant; else nowhere. One rule for
 * the planner, the failover's probes and repurpose's candidates, so they never disagree about
 * who occupies a machine. Pure (runs in workflow code).
 */
export function restingPlacements(topology: Topology): Map<string, Placement> {
  const occupantOf = new Map<string, string>();
  const machines = topology.sites.flatMap((s) => s.machines).sort((a, b) => compareIds(a.id, b.id));
  for (const m of machines)
    if (m.occupant !== undefined && !occupantOf.has(m.occupant)) occupantOf.set(m.occupant, m.id);
  return new Map(topology.personas.map((p) => [p.name, resting(p, occupantOf)]));
}

/**
 * Machine id → the persona resting there, for the personas no ledger has an entry for (not even
 * "none"). When two rest on one machine (a topology the planner refuses), the first by name.
 */
export function restingOccupants(
  topology: Topology,
  ledgerPlaced: ReadonlySet<string>,
): Map<string, string> {
  const byMachine = new Map<string, string>();
  const placements = [...restingPlacements(topology)].sort(([a], [b]) => compareIds(a, b));
  for (const [persona, p] of placements) {
    if (ledgerPlaced.has(persona) || p.kind !== 'machine' || byMachine.has(p.machine)) continue;
    byMachine.set(p.machine, persona);
  }
  return byMachine;
}
