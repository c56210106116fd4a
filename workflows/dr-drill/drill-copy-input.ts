import { z } from 'zod';
import { hostSchema, idSchema } from '../../inventory/patterns';
import { bubbleNetworkSchema } from '../../inventory/ledger-records';

/** One persona's drill copy on one spare machine: what the drill hands its child. */
export const drillCopyInputSchema = z.strictObject({
  persona: idSchema,
  machine: idSchema,
  site: idSchema,
  bubble: z.array(bubbleNetworkSchema).max(256),
  healthHost: hostSchema.optional(),
  /**
   * The occupant shut down for the drill's length (a drill that may repurpose); powered back on at
   * clean-up.
   */
  evicts: idSchema.optional(),
  evictGraceSeconds: z.number().int().min(1).max(3600).default(300),
  healthTimeoutSeconds: z.number().int().min(5).max(7200).default(600),
  powerTimeoutSeconds: z.number().int().min(5).max(3600).default(300),
  /** How long the copy waits for the drill's clean-up signal before cleaning up on its own. */
  maxUpSeconds: z
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 3600)
    .default(24 * 3600),
});
