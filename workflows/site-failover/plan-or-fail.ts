import { ApplicationFailure } from '@temporalio/common';
import { ZodError } from 'zod';
import { ValidationError, type FieldIssue } from '../../common/errors';
import { fieldIssues } from '../../common/field-path';
import type { FailoverPlan } from '../planner/failover-plan';
import { planFailover } from '../planner/plan-failover';
import { plannerInputSchema, type PlannerInputRaw } from '../planner/planner-input';

/**
 * The planner, run on what the detect step read from the world (topology, ledgers, probes): in
 * workflow code (drills, and failovers begun before the planner became a local activity) or in
 * the planFailover local activity. When that is inconsistent (say the ledger places one persona
 * where the topology rests another) the planner throws; thrown as is in workflow code, that
 * fails the workflow task and Temporal retries it forever: the run hangs RUNNING and refuses
 * every Update. Here it fails the run instead, non-retryably, naming every offending field.
 */
export function planOrFail(input: PlannerInputRaw): FailoverPlan {
  let issues: readonly FieldIssue[];
  try {
    return planFailover(plannerInputSchema.parse(input));
  } catch (e) {
    if (e instanceof ValidationError) issues = e.issues;
    else if (e instanceof ZodError) issues = fieldIssues(e);
    else throw e;
  }
  throw ApplicationFailure.create({
    type: 'ValidationError',
    nonRetryable: true,
    message: `cannot plan: the planner refuses what detect read: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
    details: [issues],
  });
}
