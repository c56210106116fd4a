import { ApplicationFailure } from '@temporalio/common';
import type { FailoverPlan } from '../../domain/planner/failover-plan';
import type { PlannerInputRaw } from '../../domain/planner/planner-input';
import { planOrRefuse } from '../../domain/planner/plan-or-refuse';

/**
 * The planner in workflow code (drills, and failovers begun before the planner became a local
 * activity) or in the planFailover local activity. A planner that throws in workflow code fails
 * the workflow task and Temporal retries it forever: the run hangs RUNNING and refuses every
 * Update. Here a refusal fails the run instead, non-retryably, naming every offending field.
 */
export function planOrFail(input: PlannerInputRaw): FailoverPlan {
  const outcome = planOrRefuse(input);
  if (outcome.ok) return outcome.plan;
  throw ApplicationFailure.create({
    type: 'ValidationError',
    nonRetryable: true,
    message: outcome.message,
    details: [outcome.issues],
  });
}
