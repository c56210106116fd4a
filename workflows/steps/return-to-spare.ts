import { patched } from '@temporalio/workflow';
import type { PlacementPlan } from '../../domain/placement/placement-plan';
import type { PortSpec } from '../../domain/network/port-spec';
import type { HardwareSteps } from './hardware-steps';

/**
 * A spare machine's port: no VLAN, the mode left to the device default, administratively down,
 * so a machine nobody uses carries no production traffic. Bringing a persona up opens it again.
 */
export const SPARE_PORT: Omit<PortSpec, 'switchId' | 'port'> = {
  mode: 'access',
  defaultMode: true,
  shutdown: true,
};

/** Workflow ids of runs that vacate machines: they now park what they leave (see returnToSpare). */
export const PARK_PATCH = 'park-vacated-machines';

/**
 * Runs started before failed when a dark source's LUNs sat on an array that does not answer
 * either (a whole site lost with its storage), even when the persona moved to another site's
 * replicas; now that array's fence is left to do by hand (see fenceSource).
 */
export const DARK_ARRAY_FENCE_PATCH = 'fence-leaves-dark-array-the-target-does-not-use';

export interface ParkOptions {
  readonly graceSeconds: number;
  readonly powerTimeoutSeconds: number;
  /**
   * The machine is dark (a disaster failover's source): nothing is asked of its BMC. Its LUNs
   * are fenced on the arrays, its ports are shut where its switch still answers (a switch that
   * burned with the rack carries nothing anyway; the report says so), and it is recorded power
   * unknown and unhealthy.
   */
  readonly sourceDown?: boolean;
  /**
   * With `sourceDown`: the machine was fenced already (fenceDeadMachine took its LUNs and recorded
   * its power and health), so only its boot assignment, ports and role are left to park.
   */
  readonly fenced?: boolean;
  /**
   * A move's source (its steps are named `stop-source`, `unmask-source`, …) rather than a release.
   */
  readonly source?: boolean;
  /** With sourceDown: the arrays the persona's new placement uses (see fenceSource). */
  readonly targetArrays?: readonly string[];
}

/** Step names, as the runs' reports and compensations have always called them. */
const NAMES = {
  release: { stop: 'stop', luns: 'luns', ports: 'ports' },
  source: { stop: 'stop-source', luns: 'unmask-source', ports: 'shut-ports' },
} as const;

/**
 * Parks a leased machine a persona leaves (a release, a move's source, a failover's fenced
 * source), so that a power-on by mistake cannot boot a second copy of the persona into
 * production: stop it (clean, hard after the grace time) before anything is taken from under
 * its OS, unmask every LUN it sees on the persona's arrays, clear the boot assignment of every
 * MAC, put the persona's ports in the spare state (no VLAN, shut), and record the machine idle
 * and off. Each step registers its undo first, so a failed run puts the persona back.
 */
export async function returnToSpare(
  steps: HardwareSteps,
  plan: PlacementPlan,
  o: ParkOptions,
): Promise<void> {
  const { machine } = plan;
  const name = NAMES[o.source ? 'source' : 'release'];
  if (o.sourceDown) {
    if (plan.initiator !== undefined && !o.fenced) await fenceSource(steps, plan, o.targetArrays);
  } else {
    await steps.shutDown(name.stop, machine, o.graceSeconds, o.powerTimeoutSeconds);
    if (plan.initiator !== undefined)
      await steps.maskExactly(
        name.luns,
        plan.initiator,
        [],
        plan.luns.map((l) => l.array),
      );
  }
  await parkStoppedMachine(steps, plan, o);
}

/**
 * The rest of returnToSpare once the machine is stopped (or dark) and its LUNs are taken: clear
 * its boot assignment, park its ports, record it idle.
 */
export async function parkStoppedMachine(
  steps: HardwareSteps,
  plan: PlacementPlan,
  o: ParkOptions,
): Promise<void> {
  const { machine } = plan;
  await steps.assignBoot(machine, plan.macs, null);
  await parkPorts(
    steps,
    NAMES[o.source ? 'source' : 'release'].ports,
    machine,
    plan.ports,
    !o.sourceDown,
  );
  await steps.recordMachine(
    machine,
    o.fenced
      ? { role: 'idle' }
      : o.sourceDown
        ? { power: 'unknown', role: 'idle', healthy: false }
        : { power: 'off', role: 'idle' },
  );
}

/**
 * Unmasks a dark source's LUNs, array by array. On an array the persona's new placement uses this
 * fence must hold (two machines must never write the same LUN), so its failure fails the run. On
 * an array the new placement does not use (a restore at another site from replicas, its site's
 * array dark too) nothing of the new copy reads or writes those LUNs: an array that does not
 * answer is noted in the run's steps as left to do by hand, and the run goes on. Whatever the old
 * machine writes there meanwhile is discarded when the failback's reprotect resyncs that side.
 */
export async function fenceSource(
  steps: HardwareSteps,
  plan: PlacementPlan,
  targetArrays: readonly string[] | undefined,
): Promise<void> {
  const initiator = plan.initiator!;
  const elsewhere = (array: string): boolean =>
    targetArrays !== undefined && !targetArrays.includes(array);
  if (!plan.luns.some((l) => elsewhere(l.array)) || !patched(DARK_ARRAY_FENCE_PATCH)) {
    await steps.unmask('fence-source', initiator, plan.luns);
    return;
  }
  for (const array of [...new Set(plan.luns.map((l) => l.array))].sort()) {
    const luns = plan.luns.filter((l) => l.array === array);
    if (!elsewhere(array)) {
      await steps.unmask('fence-source', initiator, luns);
      continue;
    }
    try {
      await steps.unmask('fence-source', initiator, luns);
    } catch (e) {
      steps.skip(
        'fence-source-by-hand',
        `unmask ${luns.map((l) => l.lun).join(', ')} from ${initiator} on ${array} when it answers again (the failback does)`,
        (e as { cause?: { message?: string } }).cause?.message ?? (e as Error).message,
      );
    }
  }
}

/**
 * Puts a vacated machine's ports in the spare state. For a dark machine the switch may have
 * burned with it: a switch that does not answer (after the activity's retries) is noted in the
 * run's steps as left to do, and the run goes on, since the persona's LUNs are already fenced.
 */
export async function parkPorts(
  steps: HardwareSteps,
  name: string,
  machine: string,
  ports: PlacementPlan['ports'],
  reachable: boolean,
): Promise<void> {
  const targets = ports.map((p) => ({ switchId: p.switchId, port: p.port, desired: SPARE_PORT }));
  if (reachable)
    return steps.configurePorts(
      name,
      `take ${machine}'s ports off every VLAN and shut them`,
      targets,
    );
  try {
    await steps.configurePorts(
      name,
      `take ${machine}'s ports off every VLAN and shut them (where its switch answers)`,
      targets,
    );
  } catch (e) {
    steps.skip(
      `${name}-by-hand`,
      `shut ${machine}'s ports by hand when their switch answers again`,
      (e as Error).message,
    );
  }
}
