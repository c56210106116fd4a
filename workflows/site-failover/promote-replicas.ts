import type { ReplicaPromotion } from '../../activities/replication-activities';
import type { FailoverPlan } from '../../domain/planner/failover-plan';
import { replication } from '../activity-proxies/replication';
import type { RunJournal } from '../run-journal';

/**
 * Failovers started before replication replay without the promote step (their topologies had no
 * replication, so it did nothing they need).
 */
export const PROMOTE_REPLICAS_PATCH = 'site-failover-promotes-replicas';

/** Target site → the personas the plan restores there (on a machine or in a VM), sorted. */
export function restoredBySite(
  plan: FailoverPlan,
  siteOf: (machine: string) => string,
): Map<string, string[]> {
  const by = new Map<string, string[]>();
  for (const r of plan.restorations) {
    if (r.outcome !== 'restored') continue;
    const site = siteOf(r.target.kind === 'machine' ? r.target.machine : r.target.host);
    by.set(site, [...(by.get(site) ?? []), r.persona].sort());
  }
  return new Map([...by].sort(([a], [b]) => (a < b ? -1 : 1)));
}

/**
 * Before any persona moves: at each target site, promote the replicas its restored personas'
 * LUNs have there, so the moves mask and boot read-write replicas. A pair whose primary still
 * answers is refused by the array, which fails the failover before anything moved.
 */
export async function promoteReplicas(
  journal: RunJournal,
  plan: FailoverPlan,
  siteOf: (machine: string) => string,
): Promise<ReplicaPromotion[]> {
  const bySite = restoredBySite(plan, siteOf);
  return journal.step(
    'promote-replicas',
    `promote the replicas of ${[...bySite.values()].flat().length} persona(s) at ${[...bySite.keys()].join(', ') || 'no site'}`,
    async () => {
      const out: ReplicaPromotion[] = [];
      for (const [site, personas] of bySite)
        out.push(
          ...(await replication.promoteReplicas.executeWithOptions(
            { summary: `promote replicas at ${site}` },
            [{ personas, site }],
          )),
        );
      return out;
    },
    (done) =>
      `${done.filter((p) => !p.already).length} promoted (${done.filter((p) => p.forced).length} by force), ${done.filter((p) => p.already).length} already primary`,
  );
}

/** Per persona restored from replicas: the largest RPO of its LUNs (0 when all were sync). */
export function rpoByPersona(promotions: readonly ReplicaPromotion[]): Map<string, number> {
  const rpo = new Map<string, number>();
  for (const p of promotions) rpo.set(p.persona, Math.max(rpo.get(p.persona) ?? 0, p.rpoSeconds));
  return rpo;
}
