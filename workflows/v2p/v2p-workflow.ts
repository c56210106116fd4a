import { ApplicationFailure, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { plan } from '../activities/plan';
import { MACHINE_KEY, PERSONA_KEY, SITE_KEY } from '../../temporal/search-attributes';
import { parseWorkflowInput } from '../parse-input';
import { runSaga, type RunbookReport } from '../runbook-report';
import { RunJournal } from '../run-journal';
import { Saga } from '../saga/saga';
import { bringUpOnMachine } from '../steps/bring-up-on-machine';
import { HardwareSteps, NO_CAPACITY } from '../steps/hardware-steps';
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
export async function v2p(rawInput: unknown): Promise<RunbookReport> {
  const input = parseWorkflowInput('v2p', v2pInputSchema, rawInput);
  const journal = new RunJournal('v2p');
  const saga = new Saga(journal);
  const holder = workflowInfo().workflowId;
  const persona = input.persona;
  let hw: HardwareSteps | undefined;

  return runSaga(
    'v2p',
    journal,
    saga,
    persona,
    async () => {
      const where = await journal.step('locate', `where does ${persona} run now`, () =>
        plan.locatePersona.executeWithOptions({ summary: `locate ${persona}` }, [{ persona }]),
      );
      const placed = where.placements.find((p) => p.placement.kind === 'vm');
      if (placed === undefined || placed.placement.kind !== 'vm')
        throw refuse(
          `${persona} does not run as a VM (the ledger places it ${where.placements.map((p) => JSON.stringify(p.placement)).join(', ') || 'nowhere'})`,
        );
      const host = placed.placement.host;

      const list = await journal.step(
        'choose-machine',
        input.machine ? `use ${input.machine}` : `choose a machine for ${persona}`,
        () =>
          plan.findCandidates.executeWithOptions({ summary: `candidates for ${persona}` }, [
            { persona, allowEvict: input.allowEvict, sites: [placed.site] },
          ]),
        (l) => `${l.candidates.length} candidate(s)`,
      );
      const candidates = list.candidates.filter(
        (c) => input.machine === undefined || c.machine === input.machine,
      );
      let chosen: (typeof candidates)[number] | undefined;
      for (const c of candidates) {
        const attempt = new HardwareSteps(saga, journal, holder, c.site);
        if (
          await attempt.tryLease(
            [
              `machine:${c.machine}`,
              `persona:${persona}`,
              ...(c.evicts ? [`persona:${c.evicts}`] : []),
            ],
            `v2p ${persona} from ${host} to ${c.machine}`,
            [{ machine: c.machine, except: [persona, ...(c.evicts ? [c.evicts] : [])] }],
          )
        ) {
          chosen = c;
          hw = attempt;
          break;
        }
      }
      if (chosen === undefined || hw === undefined) {
        const why = input.machine
          ? (list.rejected.find((r) => r.machine === input.machine)?.reason ??
            'not a candidate, or leased by another run')
          : `${candidates.length} candidate(s) all leased by other runs; ${list.rejected.length} machine(s) unfit`;
        throw ApplicationFailure.create({
          type: NO_CAPACITY,
          nonRetryable: true,
          message: `no machine can take ${persona} now: ${why}`,
        });
      }
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
    },
    async () => {
      await hw?.releaseAll();
    },
  );
}
