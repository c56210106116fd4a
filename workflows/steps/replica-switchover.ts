import { replication, replicationUndo } from '../activity-proxies/replication';
import type { RunJournal } from '../run-journal';
import type { Saga } from '../saga/saga';
import { waitUntilInSync } from './replicas-in-sync';

/**
 * Runs started before brought a persona up at another site on its replicas there as they were
 * (read-only secondaries, so the boot failed) when it moved while its own site was up.
 */
export const CROSS_SITE_SWITCHOVER_PATCH = 'repurpose-switches-replicas-over-across-sites';

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
      return waitUntilInSync(
        sides.map((s) => s.here),
        o.syncTimeoutSeconds,
        (behind) =>
          `${persona}'s replicas at ${to} are not in sync after ${o.syncTimeoutSeconds}s: ${behind}; it is not moved`,
      );
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
