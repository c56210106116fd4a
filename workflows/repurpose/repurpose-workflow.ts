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
import { locateToMove } from '../steps/persona-source';
import { CROSS_SITE_SWITCHOVER_PATCH, switchReplicasOver } from '../steps/replica-switchover';
import { PARK_PATCH } from '../steps/return-to-spare';
import { repurposeInputSchema } from './repurpose-input';
import { SOURCE_OWN_LEDGER_PATCH, SourceLedgers } from './source-ledgers';
import { fenceHostOfVm, vacateSources } from './vacate-sources';

/**
 * Runs started before VM restarts refused a persona placed as a VM, even with `sourceDown`; now a
 * VM whose host died is fenced off that host and brought up on the machine.
 */
export const FROM_DEAD_HOST_PATCH = 'repurpose-vm-from-dead-host';

/**
 * Runs started before a dark source's ports were shut beside the bring-up (which waits for them
 * before it powers on) replay them shut first: one switch commit less on a failover's path.
 */
export const PARK_BESIDE_BRING_UP_PATCH = 'repurpose-parks-dark-source-beside-bring-up';

/**
 * `repurpose`: put a persona on a machine. Choose the machine (unless given), lease it and the
 * persona (the next candidate when another run holds one), shut down an evicted occupant
 * (clean, then hard after the grace time), give the ports the persona's VLANs, mask exactly
 * its LUNs to the machine's initiator, assign its boot image to the machine's MACs, PXE boot,
 * wait for its health check, record the placement, release the leases. With `sourceDown` (a
 * disaster failover) the old machine is not asked to stop: it is fenced (fenceDeadMachine) and
 * parked. A source at another site than the target is leased and recorded in its own site's
 * ledger. A move to another site while the persona's own site is up switches its replicated LUNs
 * over first (final sync, then its replicas there promoted: replica-switchover.ts). Every step's
 * undo is registered before it runs; on failure or cancellation they run in
 * reverse (the fence is never undone).
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
    // Runs from before leased every source in the target's site ledger, whatever its site.
    const ownLedger = patched(SOURCE_OWN_LEDGER_PATCH);
    const leased = await leaseFirstCandidate(
      run,
      input.persona,
      candidates.filter((x) => !gone.includes(x.machine)),
      (c) => `repurpose ${input.persona} onto ${c.machine}`,
      (c) => (ownLedger ? [] : sourcesFor(c.machine).map(machineResource)),
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
    const sources = new SourceLedgers(run, steps, ownLedger);
    if (deadHost !== undefined)
      await fenceHostOfVm(journal, steps, input, {
        machine: deadHost,
        site: vm?.site ?? chosen.site,
      });
    // A dark source's boot assignment, ports and record are parked beside the bring-up (other
    // machines, other ports), settled before the new machine powers on: its LUNs are fenced first.
    const beside = input.sourceDown && patched(PARK_BESIDE_BRING_UP_PATCH);
    const { left, parking } = await vacateSources(
      journal,
      steps,
      sources,
      input,
      sourcesFor(machine),
      target.luns.map((l) => l.array),
      beside,
    );

    // A planned move to another site (its own is up): its replicas there take over, in sync.
    const away = [...left].filter((s) => s !== chosen.site).sort();
    if (!input.sourceDown && away.length > 0 && patched(CROSS_SITE_SWITCHOVER_PATCH))
      for (const from of away)
        await switchReplicasOver(run.saga, journal, {
          persona: input.persona,
          from,
          to: chosen.site,
          syncTimeoutSeconds: input.syncTimeoutSeconds,
        });
    const parked = async (): Promise<void> => {
      for (const p of parking) {
        const failed = await p;
        if (failed) throw failed.error;
      }
    };
    try {
      await bringUpOnMachine(steps, {
        persona: input.persona,
        plan: target,
        ...(chosen.evicts && { evicts: chosen.evicts }),
        evictGraceSeconds: input.evictGraceSeconds,
        powerTimeoutSeconds: input.powerTimeoutSeconds,
        role: 'persona',
        waitUp: (s) => s.waitHealthy(input.persona, input.healthTimeoutSeconds),
        ...(parking.length > 0 && { beforePowerOn: parked }),
      });
    } catch (e) {
      // The saga compensates once the parking beside has settled, so no step of it runs after.
      await Promise.all(parking);
      throw e;
    }
    // One ledger places a persona: a move from another site clears the placement it left there.
    if (where.placements.some((p) => p.site !== chosen.site) && patched(CROSS_SITE_PLACEMENT_PATCH))
      await clearPlacementElsewhere(run, steps.holder, input.persona, where, chosen.site);
    await sources.releaseOthers();
    return machine;
  });
}
