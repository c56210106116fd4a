import { proxyActivities } from '@temporalio/workflow';
import type { HealthActivities } from '../../activities/health-activities';
import { healthWait } from '../activity-profiles';

/**
 * Probing a persona's health check until it answers: the call lasts as long as the wait it is
 * given, so its timeout is bound per call (the wait plus a minute).
 */
export const waitForHealthy = (timeoutSeconds: number) =>
  proxyActivities<Pick<HealthActivities, 'waitForHealthy'>>(healthWait(timeoutSeconds))
    .waitForHealthy;
