import { ApplicationFailure, patched, upsertSearchAttributes } from '@temporalio/workflow';
import { machineResource } from '../../inventory/ledger-records';
import { MACHINE_KEY, PERSONA_KEY } from '../../temporal/search-attributes';
import { machinesOf } from '../../domain/placement/persona-location';
import type { RunbookReport } from '../runbook-report';
import { chooseMachine, leaseFirstCandidate, noCapacity, runRunbook } from '../runbook-run';
import { bringUpOnMachine } from '../steps/bring-up-on-machine';
import {
  clearPlacementElsewhere,
  CROSS_SITE_PLACEMENT_PATCH,
} from '../steps/clear-placement-elsewhere';
import { fencePowerAndPorts } from '../steps/fence-source';
import { locateToMove } from '../steps/persona-source';
import { PARK_PATCH, returnToSpare } from '../steps/return-to-spare';
import { repurposeInputSchema } from './repurpose-input';

/**
 * Runs started before VM restarts refused a persona placed as a VM, even with `sourceDown`; now a
 * VM whose host died is fenced off that host and brought up on the machine.
 */
export const FROM_DEAD_HOST_PATCH = 'repurpose-vm-from-dead-host';

/**
 * `repurpose`: put a persona on a machine. Choose the machine (unless given), lease it and the
 * persona (the next candidate when another run holds one), shut down an evicted occupant
 * (clean, then hard after the grace time), give the ports the persona's VLANs, mask exactly
 * its LUNs to the machine's initiator, assign its boot image to the machine's MACs, PXE boot,
 * wait for its health check, record the placement, release the leases. With `sourceDown` (a
 * disaster failover) the old machine is not asked to stop: its LUNs are fenced on the arrays. Every
 * step's undo is
 * registered before it runs; on failure or cancellation they run in reverse.
 */
export function repurpose(rawInput: unknown): Promise<RunbookReport> {
  return runRunbook('repurpose', repurposeInputSchema, rawInput, 'persona', async (input, run) => {
    const { journal } = run;
    const { candidates, list } = await chooseMachine(journal, input.persona, input);
    if (input.machine && candidates.length === 0) {
      const why =
        list.rejected.find((r) => r.machine === input.machine)?.reason ?? 'not a candidate';
      throw noCapacity(`${input.machine} cannot take ${input.persona}: ${why}`);
    }

    const where = await locateToMove(journal, input.persona);
    const vm = where.placements.find((p) => p.placement.kind === 'vm');
    // A VM whose host died (a failover's plan put it on a machine): the host is fenced for it,
    // not parked (its MACs boot the hypervisor, its trunks carry the cluster).
    const deadHost =
      vm?.placement.kind === 'vm' && input.sourceDown && patched(FROM_DEAD_HOST_PATCH)
        ? vm.placement.host
        : undefined;
    if (vm && vm.placement.kind === 'vm' && deadHost === undefined) {
      throw ApplicationFailure.create({
        type: 'ValidationError',
        nonRetryable: true,
        message: `${input.persona} runs as a VM on ${vm.placement.host}; move it with v2p`,
      });
    }
    // A persona no ledger has placed leaves the machine the topology rests it on (parked like any
    // source).
    const resting = where.resting !== undefined && patched(PARK_PATCH) ? [where.resting] : [];
    /** Machines the persona must be stopped and unmasked on before it can start on `target`. */
    const sourcesFor = (target: string): string[] =>
      [...new Set([...machinesOf(where), ...resting])]
        .filter((m) => m !== target && m !== deadHost)
        .sort();

    // With sourceDown the machine the persona ran on is gone: it is no candidate, even though the
    // ledger still places it there.
    const gone =
      input.sourceDown && patched('repurpose-source-down-not-a-candidate') ? sourcesFor('') : [];
    const leased = await leaseFirstCandidate(
      run,
      input.persona,
      candidates.filter((x) => !gone.includes(x.machine)),
      (c) => `repurpose ${input.persona} onto ${c.machine}`,
      (c) => sourcesFor(c.machine).map(machineResource),
    );
    if (leased === undefined)
      throw noCapacity(
        `no machine can take ${input.persona} now: ${candidates.length} candidate(s) all leased by other runs; ${list.rejected.length} machine(s) unfit`,
      );
    const { chosen, steps } = leased;
    upsertSearchAttributes([
      { key: MACHINE_KEY, value: [chosen.machine] },
      { key: PERSONA_KEY, value: [input.persona, ...(chosen.evicts ? [chosen.evicts] : [])] },
    ]);
    const machine = chosen.machine;
    const target = await steps.planPlacement(input.persona, machine);

    if (deadHost !== undefined) {
      if (input.fence === 'full') await fencePowerAndPorts(journal, deadHost);
      const from = await steps.planPlacement(input.persona, deadHost);
      if (from.initiator !== undefined)
        await steps.unmask('fence-source', from.initiator, from.luns);
      await steps.recordMachine(deadHost, { power: 'unknown', healthy: false });
    }
    for (const source of sourcesFor(machine)) {
      const from = await steps.planPlacement(input.persona, source);
      // The machine the persona leaves is parked: no boot assignment, no VLANs, no LUNs, so a
      // power-on by mistake boots nothing.
      if (patched(PARK_PATCH)) {
        // A guard's full fence (power off if the BMC answers, every cabled port shut) comes
        // before the LUNs are taken.
        if (input.sourceDown && input.fence === 'full') await fencePowerAndPorts(journal, source);
        await returnToSpare(steps, from, {
          graceSeconds: input.evictGraceSeconds,
          powerTimeoutSeconds: input.powerTimeoutSeconds,
          sourceDown: input.sourceDown,
          source: true,
          targetArrays: target.luns.map((l) => l.array),
        });
        continue;
      }
      if (input.sourceDown) {
        if (input.fence === 'full') await fencePowerAndPorts(journal, source);
        if (from.initiator !== undefined)
          await steps.unmask('fence-source', from.initiator, from.luns);
        await steps.recordMachine(source, { power: 'unknown', role: 'idle', healthy: false });
        continue;
      }
      await steps.shutDown(
        'stop-source',
        source,
        input.evictGraceSeconds,
        input.powerTimeoutSeconds,
      );
      if (from.initiator !== undefined)
        await steps.unmask('unmask-source', from.initiator, from.luns);
      await steps.recordMachine(source, { power: 'off', role: 'idle' });
    }

    await bringUpOnMachine(steps, {
      persona: input.persona,
      plan: target,
      ...(chosen.evicts && { evicts: chosen.evicts }),
      evictGraceSeconds: input.evictGraceSeconds,
      powerTimeoutSeconds: input.powerTimeoutSeconds,
      role: 'persona',
      waitUp: (s) => s.waitHealthy(input.persona, input.healthTimeoutSeconds),
    });
    // One ledger places a persona: a move from another site clears the placement it left there.
    if (where.placements.some((p) => p.site !== chosen.site) && patched(CROSS_SITE_PLACEMENT_PATCH))
      await clearPlacementElsewhere(run, steps.holder, input.persona, where, chosen.site);
    return machine;
  });
}
