import { z } from 'zod';
import { idSchema, WORKFLOW_ID_PATTERN } from '../../inventory/patterns';

/**
 * A workflow id as rackshift makes them: `site-failover/dc1/20261125T084512Z-3fa9` (the API's have
 * upper-case letters; a lower-case-only rule refused every failover the API had started).
 */
const runIdSchema = z
  .string()
  .regex(
    WORKFLOW_ID_PATTERN,
    'must be a workflow id (letters, digits, "/", ".", "_", ":", "@", "+", "-")',
  );

export const failbackInputSchema = z
  .strictObject({
    /** A site-failover run: bring back every persona it restored. */
    run: runIdSchema.optional(),
    /** Or these personas, wherever they run now. */
    personas: z.array(idSchema).min(1, 'name at least one persona').max(1024).optional(),
    /** How long each persona gets to shut down cleanly where it runs now before a hard off. */
    graceSeconds: z.number().int().min(1).max(3600).default(300),
    healthTimeoutSeconds: z.number().int().min(5).max(7200).default(600),
    powerTimeoutSeconds: z.number().int().min(5).max(3600).default(300),
    /** Moves at once (each is a planned move: stop, re-point, boot at home). */
    parallel: z.number().int().min(1).max(64).default(4),
  })
  .refine((f) => (f.run === undefined) !== (f.personas === undefined), {
    message: 'name exactly one of run or personas',
    path: ['run'],
  });

export type FailbackInput = z.output<typeof failbackInputSchema>;
