import { ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import { planOp } from '../activity-profiles';
import type { RunbookActivities } from '../runbook-activities';
import type { RunJournal } from '../run-journal';

const plan = proxyActivities<RunbookActivities>(planOp);

const refuse = (message: string): ApplicationFailure =>
  ApplicationFailure.create({ type: 'ValidationError', nonRetryable: true, message });

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
  const where = await journal.step(
    'locate',
    `where does ${persona} run now`,
    () => plan.locatePersona.executeWithOptions({ summary: `locate ${persona}` }, [{ persona }]),
    (w) =>
      [
        ...w.placements.map((p) =>
          p.placement.kind === 'machine'
            ? `placed on ${p.placement.machine}`
            : `a VM on ${p.placement.host}`,
        ),
        ...w.lunHolders.map((h) => `${h.lun} seen by ${h.machine ?? h.initiator}`),
      ].join('; ') || 'nowhere',
  );
  const vm = where.placements.find((p) => p.placement.kind === 'vm');
  if (vm !== undefined && vm.placement.kind === 'vm')
    throw refuse(`${persona} already runs as a VM on ${vm.placement.host}`);
  const stranger = where.lunHolders.find((h) => h.machine === null);
  if (stranger !== undefined)
    throw refuse(
      `${stranger.lun} on ${stranger.array} is masked to ${stranger.initiator}, which is no machine of the topology; unmask it by hand first`,
    );
  const machines = [
    ...new Set([
      ...where.placements.flatMap((p) =>
        p.placement.kind === 'machine' ? [p.placement.machine] : [],
      ),
      ...where.lunHolders.map((h) => h.machine!),
    ]),
  ].sort();
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
