import { proxyActivities } from '@temporalio/workflow';
import type { GuardActivities } from '../../activities/guard-activities';
import { guardProbe, notifyOp } from '../activity-profiles';

/** One probe round of a site guard: a failed round is a doubtful one, not retried for long. */
export const guard = proxyActivities<Pick<GuardActivities, 'probeGuardSite'>>(guardProbe);

/** The guard's webhook: a receiver that is down gets a few patient retries. */
export const notify = proxyActivities<Pick<GuardActivities, 'sendGuardNotification'>>(notifyOp);
