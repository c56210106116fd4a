import { mapLimit } from '../common/map-limit';
import { scopeMachines, type ScopeSelector } from '../inventory/failover-scope-machines';
import type { Topology } from '../inventory/topology-schema';
import type { LedgerSnapshot } from '../domain/planner/planner-input';
import type { ActivityDeps } from './activity-deps';
import { heartbeat } from './activity-context';
import { withFailureMapping } from './application-failure';
import type { MachineProbe } from '../domain/failover/detect-records';
import { createMachineProber, occupants } from './machine-probe';

export interface FailoverPreparation {
  /**
   * The topology as the worker loaded it: the planner's input, recorded in history with the plan's
   * other inputs.
   */
  readonly topology: Topology;
  readonly scope: readonly string[];
  readonly probes: readonly MachineProbe[];
  /**
   * The ledgers of every site, in the planner's shape, with the probes' findings on the scope's
   * machines.
   */
  readonly ledger: LedgerSnapshot;
}

const PROBES_AT_ONCE = 16;

/** Reading the world before a failover or drill plans: scope, probes, ledgers. */
export function createFailoverActivities(
  deps: Pick<ActivityDeps, 'topology' | 'ledger' | 'powerDriver'>,
) {
  const probeMachine = createMachineProber(deps);

  return withFailureMapping({
    /**
     * The scope's machines, each probed in parallel (BMC power state within 8 s; then the health
     * check of the persona running there), and every site's ledger in the planner's shape.
     * With `probe: false` nothing is asked: every scope machine is reported with what the
     * ledger last recorded.
     */
    async prepareFailover(input: {
      scope: ScopeSelector;
      probe: boolean;
      health: boolean;
    }): Promise<FailoverPreparation> {
      const topology = deps.topology.topology;
      const ledgers = await Promise.all(topology.sites.map((s) => deps.ledger.snapshot(s.name)));
      const scope = scopeMachines(input.scope, deps.topology);
      const running = occupants(topology, ledgers);
      let done = 0;
      const probes = input.probe
        ? await mapLimit(scope, PROBES_AT_ONCE, async (m) => {
            const r = await probeMachine(m, running.get(m), { health: input.health });
            heartbeat({ probed: ++done, of: scope.length });
            return r;
          })
        : scope.map(
            (m): MachineProbe => ({
              machine: m,
              power: 'unknown',
              ...(running.has(m) && { persona: running.get(m)! }),
              detail: 'not probed (explicit list)',
            }),
          );
      const probed = new Map(probes.map((p) => [p.machine, p]));
      const records = ledgers.flatMap((l) => Object.values(l.machines));
      const machines = [
        ...new Set([...records.map((r) => r.machine), ...(input.probe ? scope : [])]),
      ]
        .sort()
        .map((id) => {
          const p = probed.get(id);
          if (input.probe && p !== undefined)
            return { machine: id, power: p.power, healthy: p.personaHealthy ?? true };
          const r = records.find((x) => x.machine === id)!;
          return { machine: id, power: r.power, healthy: r.healthy ?? true };
        });
      const ledger: LedgerSnapshot = {
        placements: ledgers
          .flatMap((l) =>
            Object.entries(l.placements).map(([persona, placement]) => ({ persona, placement })),
          )
          .sort((a, b) => (a.persona < b.persona ? -1 : 1)),
        hypervisorHosts: records
          .filter((r) => r.role === 'hypervisor')
          .map((r) => r.machine)
          .sort(),
        hostClusters: Object.fromEntries(
          records
            .flatMap((r) =>
              r.role === 'hypervisor' && r.cluster !== undefined ? [[r.machine, r.cluster]] : [],
            )
            .sort(),
        ),
        notHosts: records
          .filter((r) => r.role !== 'hypervisor')
          .map((r) => r.machine)
          .sort(),
        machines,
        leases: ledgers
          .flatMap((l) => Object.values(l.leases))
          .map((l) => {
            const [kind, id] = l.resource.split(':') as ['machine' | 'persona', string];
            return { kind, id, holder: l.holder };
          }),
      };
      return { topology, scope, probes, ledger };
    },
  });
}

export type FailoverActivities = ReturnType<typeof createFailoverActivities>;
