import type { FailoverPlan } from '../workflows/planner/failover-plan';
import type { PlannerInputRaw } from '../workflows/planner/planner-input';
import { planOrFail } from '../workflows/site-failover/plan-or-fail';

/**
 * The failover planner as a (local) activity: for a thousand lost personas it computes for about
 * a second of CPU, which on a loaded worker nears the SDK's 2 s deadlock deadline for a workflow
 * activation (docs/benchmarks.md). A local activity runs it outside the workflow task, and its
 * result is recorded in history, so a replay does not plan again.
 */
export function createPlannerActivities() {
  return {
    async planFailover(input: PlannerInputRaw): Promise<FailoverPlan> {
      return planOrFail(input);
    },
  };
}

export type PlannerActivities = ReturnType<typeof createPlannerActivities>;
