import type { LedgerState } from '../inventory/ledger-records';
import type { PersonaLocation } from '../domain/placement/persona-location';
import type { ActivityDeps } from './activity-deps';
import { withFailureMapping } from './application-failure';
import { hostNow, hostProfile } from '../inventory/hypervisor-cluster';
import {
  candidateMachines,
  type Candidate,
  type CandidateList,
} from '../domain/placement/candidate-machines';
import {
  drillPlacementPlan,
  type DrillPlacementInput,
  type DrillPlacementPlan,
} from '../domain/drill/drill-placement-plan';
import { placementPlan, type PlacementPlan } from '../domain/placement/placement-plan';
import { restingOccupants } from '../domain/planner/resting-placement';
import { SshTimeoutError, SshUnreachableError } from '../drivers/ssh/ssh-errors';

/**
 * Decisions that need the topology and the ledgers together; their results are recorded in history.
 */
export function createPlacementActivities(
  deps: Pick<ActivityDeps, 'topology' | 'ledger' | 'storageDriver'>,
) {
  return withFailureMapping({
    /**
     * Where a persona is, as far as anything can tell: its ledger placement, and which
     * machines' initiators see its non-shared LUNs now (a persona may be running, or left
     * masked, where no run recorded it). A holder that is no topology machine is reported as
     * such: no run may take a LUN from an initiator it cannot shut down. An array that does not
     * answer (its site is dark) is named in `unanswered`, its holders unknown: a move to another
     * site's replicas needs nothing of it, and a move that needs it fails at its masking step.
     */
    async locatePersona(input: { persona: string }): Promise<PersonaLocation> {
      const persona = deps.topology.persona(input.persona);
      const placements = [];
      const ledgers: LedgerState[] = [];
      for (const site of deps.topology.topology.sites) {
        const ledger = await deps.ledger.snapshot(site.name);
        ledgers.push(ledger);
        const p = ledger.placements[persona.name];
        if (p !== undefined && p.kind !== 'none')
          placements.push({ site: site.name, placement: p });
      }
      const taken = new Set(
        ledgers.flatMap((l) =>
          Object.values(l.placements).flatMap((p) => (p.kind === 'machine' ? [p.machine] : [])),
        ),
      );
      const rests = restingOccupants(
        deps.topology.topology,
        new Set(ledgers.flatMap((l) => Object.keys(l.placements))),
      );
      const resting = [...rests].find(
        ([machine, name]) => name === persona.name && !taken.has(machine),
      )?.[0];
      const byInitiator = new Map(
        deps.topology
          .allMachines()
          .filter((m) => m.storage.iqn)
          .map((m) => [m.storage.iqn!, m.id]),
      );
      const holders: PersonaLocation['lunHolders'][number][] = [];
      const unanswered: string[] = [];
      for (const lun of persona.luns) {
        if (deps.topology.array(lun.array).luns.find((l) => l.id === lun.lun)?.shared) continue;
        if (deps.storageDriver === undefined || unanswered.includes(lun.array)) continue;
        const driver = deps.storageDriver(deps.topology.array(lun.array));
        try {
          for (const initiator of await driver.listHolders(lun.lun)) {
            holders.push({
              array: lun.array,
              lun: lun.lun,
              initiator,
              machine: byInitiator.get(initiator) ?? null,
            });
          }
        } catch (e) {
          if (!(e instanceof SshUnreachableError || e instanceof SshTimeoutError)) throw e;
          unanswered.push(lun.array);
        } finally {
          await driver.close().catch(() => undefined);
        }
      }
      return {
        placements,
        lunHolders: holders,
        ...(resting !== undefined && { resting }),
        ...(unanswered.length > 0 && { unanswered }),
      };
    },

    async findCandidates(input: {
      persona: string;
      allowEvict: boolean;
      sites?: string[];
    }): Promise<CandidateList> {
      const persona = deps.topology.persona(input.persona);
      const ledgers = new Map<string, LedgerState>();
      for (const site of deps.topology.topology.sites)
        ledgers.set(site.name, await deps.ledger.snapshot(site.name));
      return candidateMachines(deps.topology, ledgers, persona, {
        allowEvict: input.allowEvict,
        ...(input.sites && { sites: input.sites }),
      });
    },

    /**
     * Whether `machine` may become (or already is) a host of `cluster`: the machine's own
     * candidacy for the cluster's host profile, as a persona's (not dedicated unless a resting
     * host, not dark, a less important occupant evicted only with allowEvict). A machine the
     * ledger records as a host is refused (booting it again would kill its VMs); a resting host
     * of this cluster the ledger has not recorded yet is a candidate.
     */
    async findHostCandidate(input: {
      machine: string;
      cluster: string;
      allowEvict: boolean;
    }): Promise<{ candidate?: Candidate; reason?: string }> {
      const machine = deps.topology.machine(input.machine);
      const site = deps.topology.machineSite(machine.id).name;
      const ledger = await deps.ledger.snapshot(site);
      const record = ledger.machines[machine.id];
      const now = hostNow(deps.topology.topology, machine.id, record);
      // A running host is never booted again (its VMs would die); a resting one not yet recorded is
      // brought up.
      if (now.host && record !== undefined)
        return {
          reason: `already a host of ${now.cluster === undefined ? 'a cluster' : `cluster ${now.cluster.name}`}; release it first`,
        };
      if (now.host) {
        return now.cluster?.name === input.cluster
          ? { candidate: { machine: machine.id, site, why: `a resting host of ${input.cluster}` } }
          : { reason: `a resting host of cluster ${now.cluster?.name ?? '?'}` };
      }
      const profile = hostProfile(deps.topology.cluster(input.cluster), machine);
      const list = candidateMachines(deps.topology, new Map([[site, ledger]]), profile, {
        allowEvict: input.allowEvict,
        sites: [site],
      });
      const candidate = list.candidates.find((c) => c.machine === machine.id);
      return candidate !== undefined
        ? { candidate }
        : {
            reason:
              list.rejected.find((r) => r.machine === machine.id)?.reason ?? 'not a candidate',
          };
    },

    async planPlacement(input: { persona: string; machine: string }): Promise<PlacementPlan> {
      return placementPlan(
        deps.topology,
        deps.topology.persona(input.persona),
        deps.topology.machine(input.machine),
      );
    },

    /**
     * Where a DR drill's copy of a persona runs on `machine`: bubble VLANs on its ports, clones for
     * its LUNs, and its boot assignment's `drill` block.
     */
    async planDrillPlacement(input: DrillPlacementInput): Promise<DrillPlacementPlan> {
      return drillPlacementPlan(deps.topology, input);
    },

    async siteOfMachine(input: { machine: string }): Promise<string> {
      return deps.topology.machineSite(input.machine).name;
    },
  });
}

export type PlacementActivities = ReturnType<typeof createPlacementActivities>;
