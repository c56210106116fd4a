import { mapLimit } from '../common/map-limit';
import { probe } from '../drivers/health/health-probe';
import type { PowerState } from '../drivers/power/power-driver';
import { scopeMachines, type ScopeSelector } from '../inventory/failover-scope-machines';
import type { LedgerState } from '../inventory/ledger-records';
import type { Topology } from '../inventory/topology-schema';
import type { LedgerSnapshot } from '../workflows/planner/planner-input';
import { restingOccupants } from '../workflows/planner/resting-placement';
import type { ActivityDeps } from './activity-deps';
import { heartbeat } from './activity-context';
import { withFailureMapping } from './application-failure';

/** What one probe of a scope machine found. */
export interface MachineProbe {
  readonly machine: string;
  /** `unknown`: the BMC did not answer in time (a burned rack's BMCs are dark). */
  readonly power: PowerState | 'unknown';
  /** The persona the ledger (else the topology) runs there, if any. */
  readonly persona?: string;
  /** Its health check, when the machine is on and the persona has one. */
  readonly personaHealthy?: boolean;
  readonly detail: string;
}

export interface FailoverPreparation {
  /** The topology as the worker loaded it: the planner's input, recorded in history with the plan's other inputs. */
  readonly topology: Topology;
  readonly scope: readonly string[];
  readonly probes: readonly MachineProbe[];
  /** The ledgers of every site, in the planner's shape, with the probes' findings on the scope's machines. */
  readonly ledger: LedgerSnapshot;
}

const BMC_PROBE_TIMEOUT_MS = 8_000;
const PROBES_AT_ONCE = 16;

function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms / 1000} s`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** Who runs on each machine: the ledger's placements, else where the topology rests a persona no ledger has placed. */
function occupants(topology: Topology, ledgers: readonly LedgerState[]): Map<string, string> {
  const placed = new Map<string, string>();
  for (const l of ledgers) for (const [persona, p] of Object.entries(l.placements)) if (p.kind === 'machine') placed.set(p.machine, persona);
  const ledgerPlaced = new Set(ledgers.flatMap((l) => Object.keys(l.placements)));
  for (const [machine, persona] of restingOccupants(topology, ledgerPlaced)) if (!placed.has(machine)) placed.set(machine, persona);
  return placed;
}

/** Reading the world before a failover or drill plans: scope, probes, ledgers. */
export function createFailoverActivities(deps: Pick<ActivityDeps, 'topology' | 'ledger' | 'powerDriver'>) {
  async function probeMachine(machine: string, persona: string | undefined, withHealth: boolean): Promise<MachineProbe> {
    const driver = deps.powerDriver(deps.topology.machine(machine));
    let power: MachineProbe['power'];
    let detail: string;
    try {
      driver.validate();
      power = await withTimeout(driver.powerState(), BMC_PROBE_TIMEOUT_MS, `BMC of ${machine}`);
      detail = `BMC answers: ${power}`;
    } catch (e) {
      power = 'unknown';
      detail = `BMC dark: ${(e as Error).message}`;
    } finally {
      await driver.close().catch(() => undefined);
    }
    const check = persona === undefined ? undefined : deps.topology.persona(persona).health;
    if (!withHealth || power !== 'on' || persona === undefined || check === undefined) return { machine, power, ...(persona && { persona }), detail };
    const health = await probe(check, { timeoutMs: 3000 });
    return { machine, power, persona, personaHealthy: health.healthy, detail: `${detail}; ${persona}: ${health.detail}` };
  }

  return withFailureMapping({
    /**
     * The scope's machines, each probed in parallel (BMC power state within 8 s; then the health
     * check of the persona running there), and every site's ledger in the planner's shape.
     * With `probe: false` nothing is asked: every scope machine is reported with what the
     * ledger last recorded.
     */
    async prepareFailover(input: { scope: ScopeSelector; probe: boolean; health: boolean }): Promise<FailoverPreparation> {
      const topology = deps.topology.topology;
      const ledgers = await Promise.all(topology.sites.map((s) => deps.ledger.snapshot(s.name)));
      const scope = scopeMachines(input.scope, deps.topology);
      const running = occupants(topology, ledgers);
      let done = 0;
      const probes = input.probe
        ? await mapLimit(scope, PROBES_AT_ONCE, async (m) => {
            const r = await probeMachine(m, running.get(m), input.health);
            heartbeat({ probed: ++done, of: scope.length });
            return r;
          })
        : scope.map((m): MachineProbe => ({ machine: m, power: 'unknown', ...(running.has(m) && { persona: running.get(m)! }), detail: 'not probed (explicit list)' }));
      const probed = new Map(probes.map((p) => [p.machine, p]));
      const records = ledgers.flatMap((l) => Object.values(l.machines));
      const machines = [...new Set([...records.map((r) => r.machine), ...(input.probe ? scope : [])])].sort().map((id) => {
        const p = probed.get(id);
        if (input.probe && p !== undefined) return { machine: id, power: p.power, healthy: p.personaHealthy ?? true };
        const r = records.find((x) => x.machine === id)!;
        return { machine: id, power: r.power, healthy: r.healthy ?? true };
      });
      const ledger: LedgerSnapshot = {
        placements: ledgers.flatMap((l) => Object.entries(l.placements).map(([persona, placement]) => ({ persona, placement }))).sort((a, b) => (a.persona < b.persona ? -1 : 1)),
        hypervisorHosts: records.filter((r) => r.role === 'hypervisor').map((r) => r.machine).sort(),
        hostClusters: Object.fromEntries(records.flatMap((r) => (r.role === 'hypervisor' && r.cluster !== undefined ? [[r.machine, r.cluster]] : [])).sort()),
        notHosts: records.filter((r) => r.role !== 'hypervisor').map((r) => r.machine).sort(),
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
