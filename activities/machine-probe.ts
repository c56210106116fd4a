import { probe } from '../drivers/health/health-probe';
import type { LedgerState } from '../inventory/ledger-records';
import type { Topology } from '../inventory/topology-schema';
import { restingOccupants } from '../domain/planner/resting-placement';
import type { MachineProbe } from '../domain/failover/detect-records';
import type { ActivityDeps } from './activity-deps';

export interface ProbeOptions {
  /** Probe the persona's health check at all. */
  readonly health: boolean;
  /**
   * Also when the BMC does not answer: a dark BMC with a healthy persona is a BMC problem, not a
   * lost machine (the site guard).
   */
  readonly healthWhenDark?: boolean;
}

const BMC_PROBE_TIMEOUT_MS = 8_000;
const HEALTH_PROBE_TIMEOUT_MS = 3_000;

function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms / 1000} s`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Who runs on each machine: the ledger's placements, else where the topology rests a persona no
 * ledger has placed.
 */
export function occupants(
  topology: Topology,
  ledgers: readonly LedgerState[],
): Map<string, string> {
  const placed = new Map<string, string>();
  for (const l of ledgers)
    for (const [persona, p] of Object.entries(l.placements))
      if (p.kind === 'machine') placed.set(p.machine, persona);
  const ledgerPlaced = new Set(ledgers.flatMap((l) => Object.keys(l.placements)));
  for (const [machine, persona] of restingOccupants(topology, ledgerPlaced))
    if (!placed.has(machine)) placed.set(machine, persona);
  return placed;
}

/**
 * Probes a machine's BMC (power state within 8 s), then the health check of the persona running
 * there. Never throws.
 */
export function createMachineProber(deps: Pick<ActivityDeps, 'topology' | 'powerDriver'>) {
  return async function probeMachine(
    machine: string,
    persona: string | undefined,
    options: ProbeOptions,
  ): Promise<MachineProbe> {
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
    const worthAsking = power === 'on' || (power === 'unknown' && options.healthWhenDark === true);
    if (!options.health || !worthAsking || persona === undefined || check === undefined)
      return { machine, power, ...(persona && { persona }), detail };
    const health = await probe(check, { timeoutMs: HEALTH_PROBE_TIMEOUT_MS });
    return {
      machine,
      power,
      persona,
      personaHealthy: health.healthy,
      detail: `${detail}; ${persona}: ${health.detail}`,
    };
  };
}
