import { defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';

/** An operator's answer to a plan waiting for approval (`approval: manual`). */
export const approvalInputSchema = z.strictObject({
  decision: z.enum(['approve', 'reject']),
  /** Who decided (free text for the report: a user name, a ticket). */
  by: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[\w .@:/-]+$/, 'letters, digits, spaces and . @ : / - only')
    .optional(),
  reason: z.string().max(500).optional(),
});

export type ApprovalInput = z.output<typeof approvalInputSchema>;

/**
 * Accepted only while a plan waits; the validator refuses it otherwise, so history never records a
 * stray one.
 */
export const approvalUpdate = defineUpdate<
  { readonly decision: 'approved' | 'rejected' },
  [ApprovalInput]
>('approval');
