import {
  ApplicationFailure,
  patched,
  proxyActivities,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { MACHINE_KEY, PERSONA_KEY } from '../../temporal/search-attributes';
import { planOp } from '../activity-profiles';
import { parseWorkflowInput } from '../parse-input';
import type { RunbookActivities } from '../runbook-activities';
import { runSaga, type RunbookReport } from '../runbook-report';
import { RunJournal } from '../run-journal';
import { Saga } from '../saga/saga';
import { bringUpOnMachine } from '../steps/bring-up-on-machine';
import { fencePowerAndPorts } from '../steps/fence-source';
import { HardwareSteps, NO_CAPACITY } from '../steps/hardware-steps';
import { PARK_PATCH, returnToSpare } from '../steps/return-to-spare';
import { repurposeInputSchema } from './repurpose-input';
import { machineResource, personaResource } from '../../inventory/ledger-records';

const plan = proxyActivities<RunbookActivities>(planOp);

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
export async function repurpose(rawInput: unknown): Promise<RunbookReport> {
  const input = parseWorkflowInput('repurpose', repurposeInputSchema, rawInput);
  const journal = new RunJournal('repurpose');
  const saga = new Saga(journal);
  const holder = workflowInfo().workflowId;
  let steps: HardwareSteps | undefined;

  return runSaga(
    'repurpose',
    journal,
    saga,
    input.persona,
    async () => {
      const list = await journal.step(
        'choose-machine',
        input.machine ? `use ${input.machine}` : `choose a machine for ${input.persona}`,
        () =>
          plan.findCandidates.executeWithOptions({ summary: `candidates for ${input.persona}` }, [
            { persona: input.persona, allowEvict: input.allowEvict },
          ]),
        (l) => `${l.candidates.length} candidate(s)`,
      );
      const candidates = input.machine
        ? list.candidates.filter((c) => c.machine === input.machine)
        : list.candidates;
      if (input.machine && candidates.length === 0) {
        const why =
          list.rejected.find((r) => r.machine === input.machine)?.reason ?? 'not a candidate';
        throw ApplicationFailure.create({
          type: NO_CAPACITY,
          nonRetryable: true,
          message: `${input.machine} cannot take ${input.persona}: ${why}`,
        });
      }

      const where = await journal.step(
        'locate',
        `where does ${input.persona} run now`,
        () =>
          plan.locatePersona.executeWithOptions({ summary: `locate ${input.persona}` }, [
            { persona: input.persona },
          ]),
        (w) =>
          [
            ...w.placements.map(
              (p) =>
                `placed ${p.placement.kind === 'machine' ? `on ${p.placement.machine}` : `as a VM on ${p.placement.host}`}`,
            ),
            ...w.lunHolders.map((h) => `${h.lun} seen by ${h.machine ?? h.initiator}`),
          ].join('; ') || 'nowhere',
      );
      const stranger = where.lunHolders.find((h) => h.machine === null);
      if (stranger) {
        throw ApplicationFailure.create({
          type: 'LunHeldElsewhereError',
          nonRetryable: true,
          message: `${stranger.lun} on ${stranger.array} is masked to ${stranger.initiator}, which is no machine of the topology; unmask it by hand first`,
        });
      }
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
        [
          ...new Set([
            ...where.placements.flatMap((p) =>
              p.placement.kind === 'machine' ? [p.placement.machine] : [],
            ),
            ...where.lunHolders.map((h) => h.machine!),
            ...resting,
          ]),
        ]
          .filter((m) => m !== target && m !== deadHost)
          .sort();

      // With sourceDown the machine the persona ran on is gone: it is no candidate, even though the
      // ledger still places it there.
      const gone =
        input.sourceDown && patched('repurpose-source-down-not-a-candidate') ? sourcesFor('') : [];
      let chosen: (typeof candidates)[number] | undefined;
      for (const c of candidates.filter((x) => !gone.includes(x.machine))) {
        const attempt = new HardwareSteps(saga, journal, holder, c.site);
        const resources = [
          machineResource(c.machine),
          personaResource(input.persona),
          ...(c.evicts ? [personaResource(c.evicts)] : []),
          ...sourcesFor(c.machine).map(machineResource),
        ];
        const vacant = [
          { machine: c.machine, except: [input.persona, ...(c.evicts ? [c.evicts] : [])] },
        ];
        if (
          await attempt.tryLease(resources, `repurpose ${input.persona} onto ${c.machine}`, vacant)
        ) {
          chosen = c;
          steps = attempt;
          break;
        }
      }
      if (chosen === undefined || steps === undefined) {
        throw ApplicationFailure.create({
          type: NO_CAPACITY,
          nonRetryable: true,
          message: `no machine can take ${input.persona} now: ${candidates.length} candidate(s) all leased by other runs; ${list.rejected.length} machine(s) unfit`,
        });
      }
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
      return machine;
    },
    async () => {
      await steps?.releaseAll();
    },
  );
}
