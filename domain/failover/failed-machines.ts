import { personaDown, type MachineProbe } from './detect-records';

/**
 * Which scope machines the plan treats as failed. Disaster with probes: a dark BMC, or a machine
 * whose persona is off or fails its health check (an idle machine that answers is not failed).
 * Planned, or an explicit list (no probes): every machine of the scope is vacated.
 */
export function failedMachinesOf(
  probes: readonly MachineProbe[],
  mode: 'disaster' | 'planned',
  probed: boolean,
): string[] {
  if (mode === 'planned' || !probed) return probes.map((p) => p.machine).sort();
  return probes
    .filter((p) => p.power === 'unknown' || personaDown(p))
    .map((p) => p.machine)
    .sort();
}

/** Planned mode needs every source to answer: a clean shutdown needs a BMC. */
export function unreachableSources(probes: readonly MachineProbe[]): string[] {
  return probes
    .filter((p) => p.power === 'unknown')
    .map((p) => p.machine)
    .sort();
}
