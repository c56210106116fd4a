import { ApplicationFailure, upsertSearchAttributes } from '@temporalio/workflow';
import { ledger } from '../activity-proxies/ledger';
import { plan } from '../activity-proxies/plan';
import { MACHINE_KEY, SITE_KEY } from '../../temporal/search-attributes';
import type { RunJournal } from '../run-journal';
import type { HardwareSteps } from '../steps/hardware-steps';
import { returnToSpare } from '../steps/return-to-spare';
import { refuseHostWithVms } from './host-vms';
import { machineResource } from '../../inventory/ledger-records';

const refuse = (type: string, message: string): ApplicationFailure =>
  ApplicationFailure.create({ type, nonRetryable: true, message });

/**
 * Takes a hypervisor host out of its cluster: refused unless the ledger records it as a host,
 * and while any VM lives on it; otherwise powered off, its datastores unmasked, its boot
 * assignment cleared, its ports shut, and recorded idle (no longer of any cluster).
 * `stepsAt` makes the run's hardware steps once the host's site is known.
 */
export async function releaseHost(
  journal: RunJournal,
  machine: string,
  stepsAt: (site: string) => HardwareSteps,
  o: { graceSeconds: number; powerTimeoutSeconds: number },
): Promise<string> {
  const use = await journal.step(
    'host',
    `what the ledger records of ${machine}`,
    () =>
      plan.machineUse.executeWithOptions({ summary: `ledger record of ${machine}` }, [{ machine }]),
    (u) =>
      `${u.role}${u.cluster ? ` of cluster ${u.cluster}` : ''}, ${u.power}; VMs: ${u.vms.join(', ') || 'none'}`,
  );
  if (use.role !== 'hypervisor')
    throw refuse(
      'ValidationError',
      `input.machine: ${machine} is no hypervisor host (the ledger records it ${use.role}); release the persona it runs by name`,
    );
  if (use.runs.length > 0)
    throw refuse(
      'ValidationError',
      `input.machine: the ledger places ${use.runs.join(', ')} on ${machine}; release ${use.runs.length === 1 ? 'it' : 'them'} by name`,
    );
  const host = await plan.planHypervisorHost.executeWithOptions(
    { summary: `${machine} as a host` },
    [{ machine, ...(use.cluster && { cluster: use.cluster }) }],
  );

  const steps = stepsAt(use.site);
  if (!(await steps.tryLease([machineResource(machine)], `release host ${machine}`)))
    throw refuse('LeaseConflictError', `${machine} is leased by another run`);
  upsertSearchAttributes([
    { key: SITE_KEY, value: use.site },
    { key: MACHINE_KEY, value: [machine] },
  ]);
  await refuseHostWithVms(
    journal,
    machine,
    await ledger.ledgerSnapshot.executeWithOptions({ summary: `ledger of ${use.site}` }, [
      use.site,
    ]),
  );
  await returnToSpare(steps, host.placement, o);
  return 'spare';
}
