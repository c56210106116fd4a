import { proxyActivities } from '@temporalio/workflow';
import type { DiskCopyActivities } from '../../activities/disk-copy-activities';
import type { StorageActivities } from '../../activities/storage-activities';
import { storageOp, undoOp } from '../activity-profiles';

/** LUN masking, provisioning and clones on arrays and fabrics (a P2V copy volume is one too). */
type ArrayRequests = StorageActivities & Pick<DiskCopyActivities, 'createCopyVolume'>;

export const storage = proxyActivities<ArrayRequests>(storageOp);

/** Giving LUNs back their holders, deleting clones: retried more patiently, then left to fix. */
export const storageUndo = proxyActivities<ArrayRequests>(undoOp);
