import { ApplicationFailure, sleep } from '@temporalio/workflow';
import { replication, replicationUndo } from '../activity-proxies/replication';
import type { RunJournal } from '../run-journal';
import type { Saga } from '../saga/saga';

/**
 * Runs started before brought a persona up at another site on its replicas there as they were
 * (read-only secondaries, so the boot failed) when it moved while its own site was up.
 */
export const CROSS_SITE_SWITCHOVER_PATCH = 'repurpose-switches-replicas-over-across-sites';

/** How often the replicas' state is read while the final sync runs. */
const SYNC_POLL_SECONDS = 2;

export interface Switchover {
  readonly persona: string;
  /** Where the persona ran: its LUNs there are the primaries until now. */
  readonly from: string;
  /** Where it moves: its replicas there become the primaries. */
  readonly to: string;
  readonly syncTimeoutSeconds: number;
}

/**
 * SRM's planned migration for one persona, once it is stopped and unmasked where it ran: its LUNs
 * at `from` are made read-only (DRBD ships what they still hold: the final sync), every replica at
 * `to` must then be in sync (`UpToDate`, `Connected`) within `syncTimeoutSeconds`, else a
 * ReplicaNotInSyncError names each one behind; then the replicas at `to` are promoted (no force:
 * RPO 0). Each step's undo makes `from` primary again, so a failed move starts the persona where
 * it ran on its own data. Returns the number of LUNs switched (0: none replicated to `to`).
 */
export async function switchReplicasOver(
  saga: Saga,
  journal: RunJournal,
  o: Switchover,
): Promise<number> {
  const { persona, from, to } = o;
  const sides = await journal.step(
    'replicated-luns',
    `which of ${persona}'s LUNs are replicated to ${to}`,
    () =>
      replication.replicaSidesAt.executeWithOptions({ summary: `replicas of ${persona}` }, [
        { persona, site: to },
      ]),
    (s) => `${s.length} replicated LUN(s)`,
  );
  if (sides.length === 0) return 0;
  const back = {
    summary: `make ${persona}'s LUNs at ${from} primary again`,
    run: () => replicationUndo.switchoverReplicas({ personas: [persona], site: from }),
  };
  await saga.step(
    'final-sync',
    `make ${persona}'s LUNs at ${from} read-only and wait up to ${o.syncTimeoutSeconds}s until ${to} holds all they wrote`,
    async () => {
      for (const { other } of sides)
        await replication.demoteReplica.executeWithOptions({ summary: `${other.lun} read-only` }, [
          other,
        ]);
      const deadline = Date.now() + o.syncTimeoutSeconds * 1000;
      for (;;) {
        const behind: string[] = [];
        for (const { here } of sides) {
          const s = await replication.replicationStatus.executeWithOptions(
            { summary: `status of ${here.lun}` },
            [here],
          );
          if (s.disk !== 'UpToDate' || s.peer.connection !== 'Connected')
            behind.push(`${here.lun} on ${here.array}: ${s.disk}, ${s.peer.connection}`);
        }
        if (behind.length === 0) return sides.length;
        if (Date.now() >= deadline)
          throw ApplicationFailure.create({
            type: 'ReplicaNotInSyncError',
            nonRetryable: true,
            message: `${persona}'s replicas at ${to} are not in sync after ${o.syncTimeoutSeconds}s: ${behind.join('; ')}; it is not moved`,
          });
        await sleep(`${SYNC_POLL_SECONDS}s`);
      }
    },
    { undo: back, describe: (n) => `${n} LUN(s) in sync` },
  );
  await saga.step(
    'switchover',
    `make ${persona}'s replicas at ${to} primary`,
    () =>
      replication.switchoverReplicas.executeWithOptions({ summary: `switch over ${persona}` }, [
        { personas: [persona], site: to },
      ]),
    { undo: back, describe: (r) => `${r.length} LUN(s) primary at ${to} (RPO 0)` },
  );
  return sides.length;
}
