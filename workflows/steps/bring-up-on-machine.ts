import { patched } from '@temporalio/workflow';
import type { PlacementPlan } from '../../domain/placement/placement-plan';
import type { HardwareSteps } from './hardware-steps';
import { parkPorts, PARK_PATCH } from './return-to-spare';

export interface BringUp {
  /**
   * The persona the machine will run; for a hypervisor host, its cluster (what its boot assignment
   * names).
   */
  readonly persona: string;
  /** What it takes on this machine (ports, LUNs, MACs, image), from planPlacement. */
  readonly plan: PlacementPlan;
  /** The persona running there now, to shut down and mark placed nowhere first. */
  readonly evicts?: string;
  readonly evictGraceSeconds: number;
  readonly powerTimeoutSeconds: number;
  /** What the ledger will say the machine is used as. */
  readonly role: 'persona' | 'hypervisor';
  /**
   * For a host of a cluster: the ledger records the machine as its host and places no
   * persona. Absent only on the pre-cluster path, where the host was a persona placed there.
   */
  readonly hostOf?: string;
  /**
   * Waits until what booted is up (a persona's health check, a host's libvirt); throws when it
   * never is.
   */
  readonly waitUp: (steps: HardwareSteps) => Promise<void>;
  /**
   * Work begun beside the bring-up that must be done before the machine powers on (a dark
   * source's ports being shut while this machine's ports and LUNs are set).
   */
  readonly beforePowerOn?: () => Promise<void>;
}

/**
 * The part of a run that makes a leased machine run a persona, shared by repurpose and
 * hypervisor-bringup (they differ only in how "up" is told and in the role recorded): evict
 * the occupant (parking its ports the persona does not use), give the ports the persona's VLANs,
 * mask exactly its LUNs, assign its boot
 * image, PXE, power on, wait until up, record the placement and the machine. Each step
 * registers its undo with the saga before it runs.
 */
export async function bringUpOnMachine(steps: HardwareSteps, b: BringUp): Promise<void> {
  const { machine } = b.plan;
  let evictedArrays: string[] = [];
  if (b.evicts) {
    await steps.shutDown('evict', machine, b.evictGraceSeconds, b.powerTimeoutSeconds);
    await steps.place(b.evicts, { kind: 'none' });
    if (patched(PARK_PATCH)) {
      // The occupant leaves too: its ports the new persona does not use are parked, its LUNs on any
      // array unmasked below.
      const left = await steps.planPlacement(b.evicts, machine);
      const unused = left.ports.filter(
        (p) => !b.plan.ports.some((q) => q.switchId === p.switchId && q.port === p.port),
      );
      if (unused.length > 0) await parkPorts(steps, 'park-evicted-ports', machine, unused, true);
      evictedArrays = left.luns.map((l) => l.array);
    }
  }
  await steps.configurePorts('ports', `give ${machine}'s ports ${b.persona}'s VLANs`, b.plan.ports);
  if (b.plan.initiator !== undefined) {
    await steps.maskExactly('luns', b.plan.initiator, b.plan.luns, [
      ...b.plan.luns.map((l) => l.array),
      ...evictedArrays,
    ]);
  }
  await steps.assignBoot(machine, b.plan.macs, {
    machine,
    persona: b.persona,
    image: b.plan.image,
  });
  await steps.bootDevice(machine, 'pxe');
  await b.beforePowerOn?.();
  await steps.powerOnToBoot(machine, b.powerTimeoutSeconds);
  await b.waitUp(steps);
  if (b.hostOf === undefined) await steps.place(b.persona, { kind: 'machine', machine });
  await steps.recordMachine(machine, {
    power: 'on',
    role: b.role,
    ...(b.hostOf !== undefined && { cluster: b.hostOf }),
    healthy: true,
  });
}
