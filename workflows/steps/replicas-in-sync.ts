import { ApplicationFailure, sleep } from '@temporalio/workflow';
import type { LunRef } from '../../activities/replication-activities';
import { replication } from '../activity-proxies/replication';

/** How often the replicas' state is read while they sync. */
const SYNC_POLL_SECONDS = 2;

/**
 * Waits until every one of `luns` is `UpToDate` and `Connected` to its peer; after
 * `timeoutSeconds` throws ReplicaNotInSyncError with `late(behind)`, `behind` naming each LUN
 * still behind with its state. Returns how many LUNs are in sync.
 */
export async function waitUntilInSync(
  luns: readonly LunRef[],
  timeoutSeconds: number,
  late: (behind: string) => string,
): Promise<number> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  for (;;) {
    const behind: string[] = [];
    for (const lun of luns) {
      const s = await replication.replicationStatus.executeWithOptions(
        { summary: `status of ${lun.lun}` },
        [lun],
      );
      if (s.disk !== 'UpToDate' || s.peer.connection !== 'Connected')
        behind.push(`${lun.lun} on ${lun.array}: ${s.disk}, ${s.peer.connection}`);
    }
    if (behind.length === 0) return luns.length;
    if (Date.now() >= deadline)
      throw ApplicationFailure.create({
        type: 'ReplicaNotInSyncError',
        nonRetryable: true,
        message: late(behind.join('; ')),
      });
    await sleep(`${SYNC_POLL_SECONDS}s`);
  }
}
