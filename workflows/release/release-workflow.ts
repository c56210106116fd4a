import { machineResource, personaResource } from '../../inventory/ledger-records';
import { ApplicationFailure, upsertSearchAttributes } from '@temporalio/workflow';
import { ledger } from '../activity-proxies/ledger';
import { plan } from '../activity-proxies/plan';
import type { PlacementPlan } from '../../domain/placement/placement-plan';
import { MACHINE_KEY, PERSONA_KEY, SITE_KEY } from '../../temporal/search-attributes';
import { machinesOf } from '../../domain/placement/persona-location';
import type { RunbookReport } from '../runbook-report';
import { runRunbook, type RunbookRun } from '../runbook-run';
import { returnToSpare } from '../steps/return-to-spare';
import { locateToMove } from '../steps/persona-source';
import { stopAndRemoveVm } from '../steps/vm-teardown';
import { refuseHostWithVms } from './host-vms';
import { releaseHost } from './release-host';
import { releaseInputSchema, type ReleaseInput } from './release-input';

const refuse = (type: string, message: string): ApplicationFailure =>
  ApplicationFailure.create({ type, nonRetryable: true, message });

/**
 * `release`: stop a persona and give back what it ran on. A VM is shut down (destroyed after
 * the grace time), removed, and its LUNs unmasked from the host; the host stays a host. A
 * machine (the persona's placement, and any machine that still sees one of its LUNs) is shut
 * down and returned to spare (steps/return-to-spare). The ledger then places the persona
 * nowhere. With `machine` instead, a hypervisor host leaves its cluster (release-host),
 * refused while any VM lives on it.
 */
export function release(rawInput: unknown): Promise<RunbookReport> {
  return runRunbook('release', releaseInputSchema, rawInput, 'persona', (input, run) =>
    input.persona === undefined
      ? releaseHost(run.journal, input.machine!, run.stepsAt, input)
      : releasePersona(input.persona, input, run),
  );
}

async function releasePersona(
  persona: string,
  input: ReleaseInput,
  { journal, saga, stepsAt }: RunbookRun,
): Promise<string> {
  const where = await locateToMove(journal, persona);
  const vm = where.placements.find((p) => p.placement.kind === 'vm');
  const vmHost = vm?.placement.kind === 'vm' ? vm.placement.host : undefined;
  const machines = machinesOf(where).filter((m) => m !== vmHost);
  if (vm === undefined && machines.length === 0) {
    journal.skip(
      'release',
      `release ${persona}`,
      'placed nowhere, and no machine sees its LUNs: nothing to stop',
    );
    return 'none';
  }

  const plans: PlacementPlan[] = [];
  for (const m of machines)
    plans.push(
      await plan.planPlacement.executeWithOptions({ summary: `${persona} on ${m}` }, [
        { persona, machine: m },
      ]),
    );
  const sites = [...new Set([...(vm ? [vm.site] : []), ...plans.map((p) => p.site)])];
  if (sites.length > 1)
    throw refuse(
      'ValidationError',
      `${persona} is seen in several sites (${sites.join(', ')}); release it per site by hand`,
    );
  const site = sites[0]!;

  const steps = stepsAt(site);
  if (
    !(await steps.tryLease(
      [personaResource(persona), ...machines.map(machineResource)],
      `release ${persona}`,
    ))
  ) {
    throw refuse(
      'LeaseConflictError',
      `${persona} or its machine (${machines.join(', ') || vmHost}) is leased by another run`,
    );
  }
  upsertSearchAttributes([
    { key: SITE_KEY, value: site },
    { key: MACHINE_KEY, value: [...machines, ...(vmHost ? [vmHost] : [])] },
    { key: PERSONA_KEY, value: [persona] },
  ]);

  const state = await ledger.ledgerSnapshot.executeWithOptions({ summary: `ledger of ${site}` }, [
    site,
  ]);
  for (const m of machines)
    if (state.machines[m]?.role === 'hypervisor') await refuseHostWithVms(journal, m, state);

  if (vmHost !== undefined) {
    await stopAndRemoveVm(saga, journal, vmHost, persona, input.graceSeconds);
    const onHost = where.lunHolders.filter((h) => h.machine === vmHost);
    for (const initiator of [...new Set(onHost.map((h) => h.initiator))]) {
      await steps.unmask(
        'unmask',
        initiator,
        onHost.filter((h) => h.initiator === initiator),
      );
    }
  }
  for (const p of plans) await returnToSpare(steps, p, input);
  await steps.place(persona, { kind: 'none' });
  return 'none';
}
