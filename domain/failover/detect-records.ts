import type { PowerState } from '../../drivers/power/power-driver';

/** What one probe of a machine found. */
export interface MachineProbe {
  readonly machine: string;
  /** `unknown`: the BMC did not answer in time (a burned rack's BMCs are dark). */
  readonly power: PowerState | 'unknown';
  /** The persona the ledger (else the topology) runs there, if any. */
  readonly persona?: string;
  /**
   * Its health check, when the machine is on (or, with `healthWhenDark`, its BMC is dark) and the
   * persona has one.
   */
  readonly personaHealthy?: boolean;
  readonly detail: string;
}

/** The machine answers, but its persona is off or fails its health check. */
export const personaDown = (p: MachineProbe): boolean =>
  p.persona !== undefined && (p.power === 'off' || p.personaHealthy === false);

/** What detect found on one machine, in the fields the ledger's machine record has. */
export interface DetectRecord {
  readonly machine: string;
  readonly power: 'on' | 'off' | 'unknown';
  readonly healthy: boolean;
}

/**
 * The ledger records a disaster failover writes for its scope, from its probes: a dark BMC is
 * power unknown and unhealthy; a persona that is off or fails its health check is unhealthy;
 * a machine that answers with nothing wrong is recorded as found. An explicit list is not
 * probed: its machines are declared lost, so they are recorded as a dark machine would be.
 */
export function detectRecords(probes: readonly MachineProbe[], probed: boolean): DetectRecord[] {
  return probes.map((p): DetectRecord => {
    if (!probed || p.power === 'unknown')
      return { machine: p.machine, power: 'unknown', healthy: false };
    return { machine: p.machine, power: p.power, healthy: !personaDown(p) };
  });
}
