import { z } from 'zod';

/**
 * What a run id (a workflow id the catalog or a schedule made) may contain: the catalog's ids are
 * `<runbook>/<scope>/<suffix>` of ids, ISO times and hex. Anything else — a `%`, a control
 * character, a space — cannot name a run, and is refused before it reaches Temporal.
 */
export const runIdSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(400, 'must be at most 400 characters')
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._:+@/-]*$/,
    'must be letters, digits and . _ : + @ / - (a workflow id rackshift made)',
  );
