import { ValidationError } from '../common/errors';
import { toApplicationFailure } from './application-failure';
import type { FailoverPlan } from '../domain/planner/failover-plan';
import type { PlannerInputRaw } from '../domain/planner/planner-input';
import { planOrRefuse } from '../domain/planner/plan-or-refuse';

/**
 * The failover planner as a (local) activity: for a thousand lost personas it computes for about
 * a second of CPU, which on a loaded worker nears the SDK's 2 s deadlock deadline for a workflow
 * activation (docs/benchmarks.md). A local activity runs it outside the workflow task, and its
 * result is recorded in history, so a replay does not plan again.
 */
export function createPlannerActivities() {
  return {
    async planFailover(input: PlannerInputRaw): Promise<FailoverPlan> {
      const outcome = planOrRefuse(input);
      if (outcome.ok) return outcome.plan;
      // Final (non-retryable): a refused plan fails the run. Not wrapped in keepAlive: a local
      // activity has no heartbeat.
      throw toApplicationFailure(
        new ValidationError('cannot plan: the planner refuses what detect read', outcome.issues),
      );
    },
  };
}

export type PlannerActivities = ReturnType<typeof createPlannerActivities>;
