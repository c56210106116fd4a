import { z } from 'zod';
import { idSchema } from '../../inventory/patterns';

export const v2pInputSchema = z.strictObject({
  persona: idSchema,
  /**
   * The machine to run it on; chosen when absent (findCandidates: spares first, then repurposable
   * ones).
   */
  machine: idSchema.optional(),
  /**
   * May a repurposable machine's occupant be shut down to make room (only a strictly less important
   * one)?
   */
  allowEvict: z.boolean().default(false),
  evictGraceSeconds: z.number().int().min(1).max(3600).default(300),
  /** How long the VM's guest gets to shut down cleanly before it is destroyed. */
  graceSeconds: z.number().int().min(1).max(3600).default(300),
  /** How long the persona gets to answer its health check on the machine. */
  healthTimeoutSeconds: z.number().int().min(5).max(7200).default(600),
  powerTimeoutSeconds: z.number().int().min(5).max(3600).default(300),
});
