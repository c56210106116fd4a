import { defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import { operatorNoteShape } from '../operator-note';

/** An operator's answer to a plan waiting for approval (`approval: manual`). */
export const approvalInputSchema = z.strictObject({
  decision: z.enum(['approve', 'reject']),
  /** Who decided, and why. */
  ...operatorNoteShape,
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
