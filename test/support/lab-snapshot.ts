import type { Lab } from '../../lab/lab';

export interface LabHardwareState {
  /** Switch id → running configuration text. */
  readonly switches: Record<string, string>;
  /** Array id → LUN id → initiators that see it. */
  readonly masks: Record<string, Record<string, string[]>>;
  /** Machine id → power state. */
  readonly power: Record<string, string>;
  /** Fabric id → defined and effective zoning. */
  readonly zoning: Record<string, unknown>;
}

/**
 * What the hardware holds — switch configs, LUN masks, power, FC zoning — without counters or logs,
 * so a before/after comparison proves a run left production exactly as it was.
 */
export function labHardwareState(lab: Lab): LabHardwareState {
  const described = lab.describe() as {
    switches?: Record<string, { running: string }>;
    arrays?: Record<string, { luns: Record<string, { initiators: string[] }> }>;
    fabrics?: Record<string, { defined: unknown; effective: unknown }>;
  };
  return {
    switches: Object.fromEntries(
      Object.entries(described.switches ?? {}).map(([id, s]) => [id, s.running]),
    ),
    masks: Object.fromEntries(
      Object.entries(described.arrays ?? {}).map(([id, a]) => [
        id,
        Object.fromEntries(Object.entries(a.luns).map(([lun, l]) => [lun, l.initiators])),
      ]),
    ),
    power: Object.fromEntries([...lab.machines.values()].map((m) => [m.id, m.powerState])),
    zoning: Object.fromEntries(
      Object.entries(described.fabrics ?? {}).map(([id, f]) => [
        id,
        { defined: f.defined, effective: f.effective },
      ]),
    ),
  };
}

/**
 * Machine id → the device its next boot uses (the BMC's override, one-time or persistent): a
 * run that must leave machines exactly as it found them (a drill) leaves these as they were,
 * or a machine boots something else at its next power-on.
 */
export function labNextBoot(lab: Lab): Record<string, string> {
  return Object.fromEntries([...lab.machines.values()].map((m) => [m.id, m.bootOverride.device]));
}
