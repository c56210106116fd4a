import type { LedgerState } from '../inventory/ledger-records';
import type { ActivityDeps } from './activity-deps';
import { withFailureMapping } from './application-failure';
import { candidateMachines, type CandidateList } from './candidate-machines';
import { placementPlan, type PlacementPlan } from './placement-plan';

/** Decisions that need the topology and the ledgers together; their results are recorded in history. */
export function createPlacementActivities(deps: Pick<ActivityDeps, 'topology' | 'ledger'>) {
  return withFailureMapping({
    async findCandidates(input: { persona: string; allowEvict: boolean; sites?: string[] }): Promise<CandidateList> {
      const persona = deps.topology.persona(input.persona);
      const ledgers = new Map<string, LedgerState>();
      for (const site of deps.topology.topology.sites) ledgers.set(site.name, await deps.ledger.snapshot(site.name));
      return candidateMachines(deps.topology, ledgers, persona, { allowEvict: input.allowEvict, ...(input.sites && { sites: input.sites }) });
    },

    async planPlacement(input: { persona: string; machine: string }): Promise<PlacementPlan> {
      return placementPlan(deps.topology, deps.topology.persona(input.persona), deps.topology.machine(input.machine));
    },

    async siteOfMachine(input: { machine: string }): Promise<string> {
      return deps.topology.machineSite(input.machine).name;
    },
  });
}

export type PlacementActivities = ReturnType<typeof createPlacementActivities>;
