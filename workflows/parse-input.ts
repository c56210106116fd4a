import { ApplicationFailure } from '@temporalio/workflow';
import type { z } from 'zod';
import { fieldIssues } from '../common/field-path';

/**
 * Workflows validate their input again (the API already did): a run started from the Temporal
 * CLI or UI gets the same field-path errors, as a non-retryable ValidationError failure.
 */
export function parseWorkflowInput<S extends z.ZodType>(
  runbook: string,
  schema: S,
  input: unknown,
): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issues = fieldIssues(parsed.error, ['input']);
  throw ApplicationFailure.create({
    type: 'ValidationError',
    nonRetryable: true,
    message: `${runbook} input is invalid: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
    details: [issues],
  });
}
