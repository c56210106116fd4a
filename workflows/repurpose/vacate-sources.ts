import { patched } from '@temporalio/workflow';
import type { z } from 'zod';
import type { RunJournal } from '../run-journal';
import { fenceDeadMachine, fencePowerAndPorts, ONE_FENCE_PATCH } from '../steps/fence-source';
import type { HardwareSteps } from '../steps/hardware-steps';
import {
  fenceSource,
  PARK_PATCH,
  parkStoppedMachine,
  returnToSpare,
  type ParkOptions,
} from '../steps/return-to-spare';
import type { repurposeInputSchema } from './repurpose-input';
import type { SourceLedgers } from './source-ledgers';

type Input = z.output<typeof repurposeInputSchema>;

/**
 * The hypervisor host a VM persona ran on died (a failover's plan put the VM on a machine): the
 * host is fenced for it, not parked (its MACs boot the hypervisor, its trunks carry the cluster),
 * and not leased, as vm-restart does: its other VMs may be restored in parallel, each fenced.
 */
export async function fenceHostOfVm(
  journal: RunJournal,
  steps: HardwareSteps,
  input: Input,
  host: { readonly machine: string; readonly site: string },
): Promise<void> {
  const full = input.fence === 'full';
  if (patched(ONE_FENCE_PATCH)) {
    await fenceDeadMachine(journal, {
      machine: host.machine,
      site: host.site,
      holder: steps.holder,
      full,
      luns: () => steps.planPlacement(input.persona, host.machine),
    });
    return;
  }
  if (full) await fencePowerAndPorts(journal, host.machine);
  const from = await steps.planPlacement(input.persona, host.machine);
  if (from.initiator !== undefined) await steps.unmask('fence-source', from.initiator, from.luns);
  await steps.recordMachine(host.machine, { power: 'unknown', healthy: false });
}

/** What vacateSources leaves behind. */
export interface Vacated {
  /** The sites the persona leaves. */
  readonly left: Set<string>;
  /**
   * Dark sources still being parked beside the bring-up (`beside`): each settles with its error,
   * if any, and must settle before the new machine powers on.
   */
  readonly parking: readonly Promise<{ readonly error: unknown } | undefined>[];
}

/**
 * Parks each machine the persona leaves, so that a power-on by mistake boots nothing: no boot
 * assignment, no VLANs, no LUNs; each in its own site's ledger (`ledgers`). A live source is shut
 * down first (clean, hard after the grace time); with `sourceDown` a dead one is fenced instead
 * (fenceDeadMachine). With `beside`, a dead source's boot assignment, ports and record are
 * parked beside the bring-up (once its LUNs are fenced) instead of before it: one switch commit
 * less on a failover's path. `targetArrays` (the arrays the new placement uses) lets a fence on
 * another, dark array be left to do by hand (fenceSource).
 */
export async function vacateSources(
  journal: RunJournal,
  steps: HardwareSteps,
  ledgers: SourceLedgers,
  input: Input,
  sources: readonly string[],
  targetArrays: readonly string[],
  beside: boolean,
): Promise<Vacated> {
  const left = new Set<string>();
  const parking: Promise<{ error: unknown } | undefined>[] = [];
  for (const source of sources) {
    const from = await steps.planPlacement(input.persona, source);
    left.add(from.site);
    if (patched(PARK_PATCH)) {
      const at = await ledgers.leaseAt(source, from.site, input.persona);
      const fenced = input.sourceDown && patched(ONE_FENCE_PATCH);
      if (fenced)
        await fenceDeadMachine(journal, {
          machine: source,
          site: from.site,
          holder: steps.holder,
          full: input.fence === 'full',
          luns: () => from,
          targetArrays,
        });
      // A guard's full fence (power off if the BMC answers, every cabled port shut) comes
      // before the LUNs are taken.
      else if (input.sourceDown && input.fence === 'full')
        await fencePowerAndPorts(journal, source);
      const park: ParkOptions = {
        graceSeconds: input.evictGraceSeconds,
        powerTimeoutSeconds: input.powerTimeoutSeconds,
        sourceDown: input.sourceDown,
        fenced,
        source: true,
        targetArrays,
      };
      if (beside) {
        if (!fenced && from.initiator !== undefined) await fenceSource(at, from, targetArrays);
        parking.push(
          parkStoppedMachine(at, from, park).then(
            () => undefined,
            (error: unknown) => ({ error }),
          ),
        );
        continue;
      }
      await returnToSpare(at, from, park);
      continue;
    }
    // Runs from before parking left the source's boot assignment and ports as they were.
    if (input.sourceDown) {
      if (input.fence === 'full') await fencePowerAndPorts(journal, source);
      if (from.initiator !== undefined)
        await steps.unmask('fence-source', from.initiator, from.luns);
      await steps.recordMachine(source, { power: 'unknown', role: 'idle', healthy: false });
      continue;
    }
    await steps.shutDown('stop-source', source, input.evictGraceSeconds, input.powerTimeoutSeconds);
    if (from.initiator !== undefined)
      await steps.unmask('unmask-source', from.initiator, from.luns);
    await steps.recordMachine(source, { power: 'off', role: 'idle' });
  }
  return { left, parking };
}
