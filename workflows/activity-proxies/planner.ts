import { proxyLocalActivities } from '@temporalio/workflow';
import type { PlannerActivities } from '../../activities/planner-activities';
import { plannerLocal } from '../activity-profiles';

/** The failover planner, run as a local activity (CPU only; see activities/planner-activities). */
export const planner = proxyLocalActivities<PlannerActivities>(plannerLocal);
