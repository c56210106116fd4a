import { ApplicationFailure, upsertSearchAttributes } from '@temporalio/workflow';
import { MACHINE_KEY, PERSONA_KEY, SITE_KEY } from '../../temporal/search-attributes';
import type { RunbookReport } from '../runbook-report';
import { chooseMachine, leaseFirstCandidate, noCapacity, runRunbook } from '../runbook-run';
import { bringUpOnMachine } from '../steps/bring-up-on-machine';
import { locate } from '../steps/persona-source';
import { VmSteps } from '../steps/vm-steps';
import { stopAndRemoveVm } from '../steps/vm-teardown';
import { v2pInputSchema } from './v2p-input';

const refuse = (message: string): ApplicationFailure =>
  ApplicationFailure.create({ type: 'ValidationError', nonRetryable: true, message });

/**
 * `v2p`: the reverse of a san-mode p2v. The persona runs as a VM on host H; choose a fitting
 * machine M (unless given) and lease it with the persona; stop the VM (clean, destroyed after
 * the grace) and remove its definition; unmask its LUNs from H; take its VLANs off H's trunks
 * unless another VM or the host persona needs them (under H's lease); then give M the
 * persona's VLANs, exactly its LUNs and its boot image, boot it, wait for the health check,
 * record the placement. Every undo is registered before its step; on failure they run in reverse.
 */
export function v2p(rawInput: unknown): Promise<RunbookReport> {
  return runRunbook('v2p', v2pInputSchema, rawInput, 'persona', async (input, run) => {
    const { journal, saga } = run;
    const persona = input.persona;
    const where = await locate(journal, persona);
    const placed = where.placements.find((p) => p.placement.kind === 'vm');
    if (placed === undefined || placed.placement.kind !== 'vm')
      throw refuse(
        `${persona} does not run as a VM (the ledger places it ${where.placements.map((p) => JSON.stringify(p.placement)).join(', ') || 'nowhere'})`,
      );
    const host = placed.placement.host;

    const { candidates, list } = await chooseMachine(journal, persona, {
      ...input,
      sites: [placed.site],
    });
    const leased = await leaseFirstCandidate(
      run,
      persona,
      candidates,
      (c) => `v2p ${persona} from ${host} to ${c.machine}`,
    );
    if (leased === undefined) {
      const why = input.machine
        ? (list.rejected.find((r) => r.machine === input.machine)?.reason ??
          'not a candidate, or leased by another run')
        : `${candidates.length} candidate(s) all leased by other runs; ${list.rejected.length} machine(s) unfit`;
      throw noCapacity(`no machine can take ${persona} now: ${why}`);
    }
    const { chosen, steps: hw } = leased;
    const machine = chosen.machine;
    upsertSearchAttributes([
      { key: SITE_KEY, value: chosen.site },
      { key: MACHINE_KEY, value: [machine, host] },
      { key: PERSONA_KEY, value: [persona, ...(chosen.evicts ? [chosen.evicts] : [])] },
    ]);

    const vm = new VmSteps(saga, journal, hw);
    const at = await vm.planVm(persona, host);
    if (at.copyVolume.visibleToHost)
      throw refuse(
        `${persona}'s VM runs from the copy volume ${at.copyVolume.array}/${at.copyVolume.lun}, not from LUNs a machine can boot; copy it back by hand`,
      );
    const target = await hw.planPlacement(persona, machine);

    await stopAndRemoveVm(saga, journal, host, persona, input.graceSeconds);
    const own = at.luns.filter((l) => !l.shared);
    if (at.initiator !== undefined && own.length > 0)
      await hw.unmask('unmask-host', at.initiator, own);
    await vm.onHost(host, `take ${persona}'s VLANs off its trunks`, () =>
      vm.removeHostVlans(host, persona),
    );
    await bringUpOnMachine(hw, {
      persona,
      plan: target,
      ...(chosen.evicts && { evicts: chosen.evicts }),
      evictGraceSeconds: input.evictGraceSeconds,
      powerTimeoutSeconds: input.powerTimeoutSeconds,
      role: 'persona',
      waitUp: (s) => s.waitHealthy(persona, input.healthTimeoutSeconds),
    });
    return machine;
  });
}
