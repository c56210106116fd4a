import { proxyActivities } from '@temporalio/workflow';
import type { DiskCopyActivities } from '../../activities/disk-copy-activities';
import { diskCopy, undoOp } from '../activity-profiles';

type CopyRequests = Pick<DiskCopyActivities, 'startDiskHelper' | 'stopDiskHelper' | 'copyDisk'>;

/** The P2V helper and the disk stream (hours for a big disk, resumed from its last heartbeat). */
export const disk = proxyActivities<CopyRequests>(diskCopy);

/** Stopping the helper as a compensation. */
export const diskUndo = proxyActivities<CopyRequests>(undoOp);
