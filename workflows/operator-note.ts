import { z } from 'zod';

/**
 * Who acted on a run or a guard, and why: free text for the report, the status and the
 * notification. Spread into each operator message's input schema.
 */
export const operatorNoteShape = {
  /** A user name, a ticket. */
  by: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[\w .@:/-]+$/, 'letters, digits, spaces and . @ : / - only')
    .optional(),
  reason: z.string().max(500).optional(),
};
