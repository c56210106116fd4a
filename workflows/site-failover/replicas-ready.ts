import { ApplicationFailure } from '@temporalio/workflow';
import type { FailoverPlan } from '../../domain/planner/failover-plan';
import { replication } from '../activity-proxies/replication';
import type { RunJournal } from '../run-journal';

/**
 * Planned failovers started before moved personas to another site without checking that their
 * replicas there could take a final sync (and their repurpose children did not switch them over).
 */
export const PLANNED_REPLICAS_PATCH = 'site-failover-planned-switches-replicas-over';

/**
 * Planned mode, before anything is stopped: every replica the plan's moves to another site will
 * switch over (each `repurpose` child: final sync, then promote; replica-switchover.ts) must be
 * connected to its primary, since a final sync needs the link. Refuses the failover, naming each
 * replica that cannot sync, before anything changed. Returns the personas whose replicas will be
 * switched over (RPO 0).
 */
export async function replicasReady(
  journal: RunJournal,
  plan: FailoverPlan,
  siteOf: (machine: string) => string,
): Promise<string[]> {
  const moves = plan.restorations.flatMap((r) =>
    r.outcome === 'restored' && r.from.kind === 'machine' && r.target.kind === 'machine'
      ? [{ persona: r.persona, from: siteOf(r.from.machine), to: siteOf(r.target.machine) }]
      : [],
  );
  const away = moves.filter((m) => m.from !== m.to);
  return journal.step(
    'replicas-ready',
    `check that the replicas of ${away.length} persona(s) moving to another site can sync`,
    async () => {
      const behind: string[] = [];
      const synced: string[] = [];
      for (const m of away) {
        const sides = await replication.replicaSidesAt.executeWithOptions(
          { summary: `replicas of ${m.persona} at ${m.to}` },
          [{ persona: m.persona, site: m.to }],
        );
        if (sides.length > 0) synced.push(m.persona);
        for (const { here } of sides) {
          const s = await replication.replicationStatus.executeWithOptions(
            { summary: `status of ${here.lun}` },
            [here],
          );
          if (s.peer.connection !== 'Connected')
            behind.push(`${here.lun} on ${here.array} (${m.persona}): ${s.peer.connection}`);
        }
      }
      if (behind.length > 0)
        throw ApplicationFailure.create({
          type: 'ReplicaNotInSyncError',
          nonRetryable: true,
          message: `planned failover refused: these replicas cannot take a final sync from their primaries: ${behind.join('; ')}; repair their links, or run a disaster failover`,
        });
      return synced.sort();
    },
    (s) => `${s.length} persona(s) will switch over in sync (RPO 0)`,
  );
}
