import type { ReplicaSnapshotTaken } from '../../activities/replication-activities';
import type { DrillLunTarget } from '../../domain/drill/drill-placement-plan';
import { replication, replicationUndo } from '../activity-proxies/replication';
import type { Saga } from '../saga/saga';

/**
 * A drill copy at the recovery site runs on a writable snapshot of each replica there (SRA
 * testFailoverStart), never on the replica itself: replication is not promoted, reversed or
 * paused, and the replica keeps receiving syncs while the drill runs. The snapshot's deletion
 * (testFailoverStop) is registered before it is taken.
 */
export function snapshotOfReplica(
  saga: Saga,
  l: DrillLunTarget & { readonly replicaOf: NonNullable<DrillLunTarget['replicaOf']> },
): Promise<ReplicaSnapshotTaken> {
  return saga.step(
    'snapshot-replica',
    `snapshot replica ${l.cloneOf} (of ${l.replicaOf.lun}) as ${l.lun} on ${l.array}`,
    () =>
      replication.snapshotReplica.executeWithOptions({ summary: `snapshot ${l.cloneOf}` }, [
        { array: l.array, lun: l.cloneOf, snapshot: l.lun },
      ]),
    {
      undo: {
        summary: `delete replica snapshot ${l.lun}`,
        run: () => replicationUndo.deleteReplicaSnapshot({ array: l.array, snapshot: l.lun }),
      },
      describe: (s) =>
        `${s.mode} replica ${s.disk}/${s.link}; data as of ${s.dataAsOf ?? 'the link break'}`,
    },
  );
}
