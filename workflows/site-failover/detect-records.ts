import type { MachineProbe } from '../../activities/failover-activities';

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
    const personaDown =
      p.persona !== undefined && (p.power === 'off' || p.personaHealthy === false);
    return { machine: p.machine, power: p.power, healthy: !personaDown };
  });
}
