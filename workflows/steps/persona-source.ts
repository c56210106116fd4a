import { ApplicationFailure } from '@temporalio/workflow';
import type { PersonaLocation } from '../../domain/placement/persona-location';
import { plan } from '../activity-proxies/plan';
import {
  describeLocation,
  lunStrangerReason,
  machinesOf,
} from '../../domain/placement/persona-location';
import type { RunJournal } from '../run-journal';

const refuse = (message: string): ApplicationFailure =>
  ApplicationFailure.create({ type: 'ValidationError', nonRetryable: true, message });

/** The `locate` step: where the ledger places the persona now, and who sees its LUNs. */
export function locate(journal: RunJournal, persona: string): Promise<PersonaLocation> {
  return journal.step(
    'locate',
    `where does ${persona} run now`,
    () => plan.locatePersona.executeWithOptions({ summary: `locate ${persona}` }, [{ persona }]),
    describeLocation,
  );
}

/**
 * `locate`, refusing a persona a LUN of which is masked to a stranger (see lunStrangerReason):
 * every runbook that stops a persona where it runs starts here.
 */
export async function locateToMove(journal: RunJournal, persona: string): Promise<PersonaLocation> {
  const where = await locate(journal, persona);
  const why = lunStrangerReason(where);
  if (why !== undefined)
    throw ApplicationFailure.create({
      type: 'LunHeldElsewhereError',
      nonRetryable: true,
      message: why,
    });
  return where;
}

/**
 * The one physical machine a persona runs on: its ledger placement, or the machine whose
 * initiator holds its LUNs. Refuses a persona that runs as a VM, nowhere, on several machines,
 * or whose LUN an initiator outside the topology holds (no run may take a LUN from a machine
 * it cannot shut down). `fallback` is used when nothing says where it runs (a planner's answer).
 */
export async function physicalSource(
  journal: RunJournal,
  persona: string,
  fallback?: string,
): Promise<{ machine: string; site: string }> {
  const where = await locateToMove(journal, persona);
  const vm = where.placements.find((p) => p.placement.kind === 'vm');
  if (vm !== undefined && vm.placement.kind === 'vm')
    throw refuse(`${persona} already runs as a VM on ${vm.placement.host}`);
  const machines = machinesOf(where);
  const [machine = fallback] = machines;
  if (machine === undefined)
    throw refuse(
      `${persona} runs on no machine (no placement, no LUN masked to a machine): nothing to move`,
    );
  if (machines.length > 1)
    throw refuse(
      `${persona} is on several machines (${machines.join(', ')}); repurpose it onto one first`,
    );
  const site =
    where.placements.find((p) => p.placement.kind === 'machine')?.site ??
    (await plan.siteOfMachine.executeWithOptions({ summary: `site of ${machine}` }, [{ machine }]));
  return { machine, site };
}

/**
 * The hypervisor host a VM persona ran on (its ledger placement, else `fallback`, the planner's
 * answer) and its site. Refuses a persona placed on a physical machine (repurpose or p2v move
 * those) and one placed nowhere with no fallback.
 */
export async function vmSource(
  journal: RunJournal,
  persona: string,
  fallback?: string,
): Promise<{ host: string; site: string }> {
  const where = await journal.step(
    'locate',
    `which host did ${persona} run on`,
    () => plan.locatePersona.executeWithOptions({ summary: `locate ${persona}` }, [{ persona }]),
    (w) =>
      w.placements
        .map((p) =>
          p.placement.kind === 'vm'
            ? `a VM on ${p.placement.host}`
            : `placed on ${p.placement.machine}`,
        )
        .join('; ') || 'nowhere',
  );
  const placed = where.placements[0];
  if (placed?.placement.kind === 'machine')
    throw refuse(`${persona} runs on machine ${placed.placement.machine}, not as a VM`);
  const host = placed?.placement.kind === 'vm' ? placed.placement.host : fallback;
  if (host === undefined)
    throw refuse(`${persona} is placed nowhere: there is no dead host to restart it from`);
  const site =
    placed?.site ??
    (await plan.siteOfMachine.executeWithOptions({ summary: `site of ${host}` }, [
      { machine: host },
    ]));
  return { host, site };
}
