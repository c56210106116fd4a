import { proxyActivities } from '@temporalio/workflow';
import type { ReplicationActivities } from '../../activities/replication-activities';
import { storageOp } from '../activity-profiles';

/** Replica status, promotion, reprotection and switchover: array commands like masking. */
export const replication = proxyActivities<ReplicationActivities>(storageOp);
