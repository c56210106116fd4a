import type { PlacementPlan } from '../../activities/placement-plan';
import type { PortSpec } from '../../activities/switch-activities';
import type { HardwareSteps } from './hardware-steps';

/**
 * A spare machine's port: no VLAN, the mode left to the device default, administratively down,
 * so a machine nobody uses carries no production traffic. Bringing a persona up opens it again.
 */
export const SPARE_PORT: Omit<PortSpec, 'switchId' | 'port'> = { mode: 'access', defaultMode: true, shutdown: true };

/**
 * Takes a leased machine back from the persona of `plan`: stop it (clean, hard after the
 * grace time) before anything is taken from under its OS, then unmask every LUN it sees on the
 * persona's arrays, clear the boot assignment of every MAC, put the persona's ports in the
 * spare state, and record the machine idle and off. Each step registers its undo first.
 */
export async function returnToSpare(steps: HardwareSteps, plan: PlacementPlan, o: { readonly graceSeconds: number; readonly powerTimeoutSeconds: number }): Promise<void> {
  const { machine } = plan;
  await steps.shutDown('stop', machine, o.graceSeconds, o.powerTimeoutSeconds);
  if (plan.initiator !== undefined) await steps.maskExactly('luns', plan.initiator, [], plan.luns.map((l) => l.array));
  await steps.assignBoot(machine, plan.macs, null);
  await steps.configurePorts('ports', `shut ${machine}'s ports`, plan.ports.map((p) => ({ switchId: p.switchId, port: p.port, desired: SPARE_PORT })));
  await steps.recordMachine(machine, { power: 'off', role: 'idle' });
}
