import type { HomePlacement } from '../domain/failback/failback-move';
import type { ActivityDeps } from './activity-deps';
import { withFailureMapping } from './application-failure';
import {
  failoverToUndo,
  NotAFailoverRunError,
  type FailoverToUndo,
} from '../domain/failback/failover-to-undo';

/** What the ledger says of one machine now, and whose home it is. */
export interface MachineUse {
  readonly machine: string;
  readonly site: string;
  readonly power: 'on' | 'off' | 'unknown';
  readonly role: 'idle' | 'persona' | 'hypervisor';
  /** For a hypervisor host: its cluster, when the ledger recorded one. */
  readonly cluster?: string;
  /**
   * false with power unknown: the machine was last seen dark (a failover found it so), and no run
   * will take it.
   */
  readonly healthy?: boolean;
  /**
   * Personas the ledger places on it as a machine (for a host brought up before clusters: its
   * cluster persona).
   */
  readonly runs: readonly string[];
  /** Personas the ledger places on it as VMs. */
  readonly vms: readonly string[];
  /** Personas whose home is this machine, or a VM on it. */
  readonly homeOf: readonly string[];
}

/**
 * The reads a failback needs beyond the placement activities: the failover run it undoes, homes,
 * and machine use.
 */
export function createFailbackActivities(
  deps: Pick<ActivityDeps, 'topology' | 'ledger' | 'readRunResult'>,
) {
  const homeOf = (name: string): HomePlacement | null => {
    const home = deps.topology.persona(name).home;
    if (home === undefined) return null;
    return 'machine' in home
      ? { kind: 'machine', machine: home.machine }
      : { kind: 'vm', host: home.host };
  };
  return withFailureMapping({
    /**
     * A completed site-failover run's report, checked (NotAFailoverRunError, non-retryable, says
     * why not).
     */
    async readFailoverRun(input: { run: string }): Promise<FailoverToUndo> {
      if (deps.readRunResult === undefined)
        throw new NotAFailoverRunError(
          input.run,
          'this worker has no Temporal client to read runs with',
        );
      return failoverToUndo(input.run, await deps.readRunResult(input.run));
    },

    /**
     * Each persona's home; null for a persona without one, and `unknown` for a name the topology
     * lacks.
     */
    async personaHomes(input: {
      personas: string[];
    }): Promise<Array<{ persona: string; home: HomePlacement | null; unknown?: true }>> {
      const names = new Set(deps.topology.topology.personas.map((p) => p.name));
      return input.personas.map((persona) =>
        names.has(persona)
          ? { persona, home: homeOf(persona) }
          : { persona, home: null, unknown: true as const },
      );
    },

    async machineUse(input: { machine: string }): Promise<MachineUse> {
      const site = deps.topology.machineSite(input.machine).name;
      const ledger = await deps.ledger.snapshot(site);
      const record = ledger.machines[input.machine];
      const placed = (kind: 'machine' | 'vm'): string[] =>
        Object.entries(ledger.placements)
          .filter(([, p]) =>
            kind === 'machine'
              ? p.kind === 'machine' && p.machine === input.machine
              : p.kind === 'vm' && p.host === input.machine,
          )
          .map(([persona]) => persona)
          .sort();
      const homeOfIt = deps.topology.topology.personas
        .filter(
          (p) =>
            p.home !== undefined &&
            ('machine' in p.home ? p.home.machine : p.home.host) === input.machine,
        )
        .map((p) => p.name)
        .sort();
      return {
        machine: input.machine,
        site,
        power: record?.power ?? 'unknown',
        role: record?.role ?? 'idle',
        ...(record?.cluster !== undefined && { cluster: record.cluster }),
        ...(record?.healthy !== undefined && { healthy: record.healthy }),
        runs: placed('machine'),
        vms: placed('vm'),
        homeOf: homeOfIt,
      };
    },
  });
}

export type FailbackActivities = ReturnType<typeof createFailbackActivities>;
