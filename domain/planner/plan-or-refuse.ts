import { ZodError } from 'zod';
import { ValidationError, type FieldIssue } from '../../common/errors';
import { fieldIssues } from '../../common/field-path';
import type { FailoverPlan } from './failover-plan';
import { planFailover } from './planner';
import { plannerInputSchema, type PlannerInputRaw } from './planner-input';

/** The plan, or why the planner refuses what detect read (every offending field). */
export type PlanOutcome =
  | { readonly ok: true; readonly plan: FailoverPlan }
  | { readonly ok: false; readonly issues: readonly FieldIssue[]; readonly message: string };

/**
 * The planner on what the detect step read from the world (topology, ledgers, probes). When that
 * is inconsistent (say the ledger places one persona where the topology rests another) the
 * planner refuses; the caller fails its run with the refusal instead of retrying forever.
 */
export function planOrRefuse(input: PlannerInputRaw): PlanOutcome {
  let issues: readonly FieldIssue[];
  try {
    return { ok: true, plan: planFailover(plannerInputSchema.parse(input)) };
  } catch (e) {
    if (e instanceof ValidationError) issues = e.issues;
    else if (e instanceof ZodError) issues = fieldIssues(e);
    else throw e;
  }
  return {
    ok: false,
    issues,
    message: `cannot plan: the planner refuses what detect read: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
  };
}
