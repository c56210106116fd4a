import { proxyActivities } from '@temporalio/workflow';
import type { ReplicationActivities } from '../../activities/replication-activities';
import { storageOp, undoOp } from '../activity-profiles';

/** Replica status, promotion, reprotection and switchover: array commands like masking. */
export const replication = proxyActivities<ReplicationActivities>(storageOp);

/**
 * Compensations (switching replicas back) and clean-ups (deleting a drill's replica snapshots):
 * retried more patiently, then left to fix.
 */
export const replicationUndo = proxyActivities<ReplicationActivities>(undoOp);
