import { ApplicationFailure } from '@temporalio/workflow';
import { plan } from '../activity-proxies/plan';
import type { RunJournal } from '../run-journal';
import { NO_CAPACITY } from '../steps/hardware-steps';

/** The patch id of hosts as members of a cluster (no persona placement, machine lease only). */
export const CLUSTER_HOSTS = 'cluster-hosts';

export interface HostFit {
  /** The occupant to shut down first. */
  readonly evicts?: string;
  /** False only on the pre-cluster path, where the cluster was a persona placed on its host. */
  readonly hostOnly: boolean;
}

const noCapacity = (message: string): ApplicationFailure =>
  ApplicationFailure.create({ type: NO_CAPACITY, nonRetryable: true, message });

/** Can `machine` be (or is it already) a host of `cluster`; throws NoCapacity naming why not. */
export async function checkHost(
  journal: RunJournal,
  machine: string,
  cluster: string,
  allowEvict: boolean,
): Promise<HostFit> {
  const fit = await journal.step(
    'check-machine',
    `can ${machine} be a host of ${cluster}`,
    () =>
      plan.findHostCandidate.executeWithOptions({ summary: `${machine} as a host of ${cluster}` }, [
        { machine, cluster, allowEvict },
      ]),
    (f) => f.candidate?.why ?? `no: ${f.reason ?? ''}`,
  );
  if (fit.candidate === undefined)
    throw noCapacity(`${machine} cannot host ${cluster}: ${fit.reason ?? 'not a candidate'}`);
  return { ...(fit.candidate.evicts && { evicts: fit.candidate.evicts }), hostOnly: true };
}

/** The pre-cluster path, kept for runs in flight: the cluster was a persona with one placement. */
export async function checkClusterPersona(
  journal: RunJournal,
  machine: string,
  cluster: string,
  allowEvict: boolean,
): Promise<HostFit> {
  const list = await journal.step(
    'check-machine',
    `can ${machine} host ${cluster}`,
    () => plan.findCandidates({ persona: cluster, allowEvict }),
    (l) => (l.candidates.some((c) => c.machine === machine) ? 'yes' : 'no'),
  );
  const fit = list.candidates.find((c) => c.machine === machine);
  if (fit === undefined)
    throw noCapacity(
      `${machine} cannot host ${cluster}: ${list.rejected.find((r) => r.machine === machine)?.reason ?? 'not a candidate'}`,
    );
  const where = await journal.step(
    'locate',
    `where does ${cluster} run now`,
    () => plan.locatePersona({ persona: cluster }),
    (w) => `${w.placements.length} placement(s)`,
  );
  if (
    where.placements.some(
      (p) => !(p.placement.kind === 'machine' && p.placement.machine === machine),
    )
  ) {
    throw ApplicationFailure.create({
      type: 'ValidationError',
      nonRetryable: true,
      message: `cluster ${cluster} already runs on another machine; release it first`,
    });
  }
  return { ...(fit.evicts && { evicts: fit.evicts }), hostOnly: false };
}
