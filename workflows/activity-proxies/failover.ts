import { proxyActivities } from '@temporalio/workflow';
import type { FailoverActivities } from '../../activities/failover-activities';
import { scopeProbe } from '../activity-profiles';

/** Reading a failover's or drill's scope: every BMC of it probed in parallel. */
export const failover = proxyActivities<FailoverActivities>(scopeProbe);
