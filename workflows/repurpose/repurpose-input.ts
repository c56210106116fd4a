import { z } from 'zod';
import { idSchema } from '../../inventory/patterns';

export const repurposeInputSchema = z.strictObject({
  persona: idSchema,
  /** The machine to use; chosen when absent (spares first, then repurposable ones). */
  machine: idSchema.optional(),
  /**
   * May a repurposable machine's occupant be shut down to make room (only a strictly less important
   * one)?
   */
  allowEvict: z.boolean().default(false),
  /** How long an evicted occupant gets to shut down cleanly before a hard off. */
  evictGraceSeconds: z.number().int().min(1).max(3600).default(300),
  /** How long the persona gets to answer its health check after power-on. */
  healthTimeoutSeconds: z.number().int().min(5).max(7200).default(600),
  powerTimeoutSeconds: z.number().int().min(5).max(3600).default(300),
  /**
   * The machine the persona ran on is gone (a disaster failover): do not ask its BMC to power
   * off; fence it instead by unmasking its LUNs on the arrays, and record it as unknown.
   */
  sourceDown: z.boolean().default(false),
  /**
   * With `sourceDown`: `luns` fences the old machine on the arrays only; `full` (the site guard)
   * first powers it off through its BMC if that answers and shuts its switch ports.
   */
  fence: z.enum(['luns', 'full']).default('luns'),
  /**
   * Sites whose machines may be taken; the persona's home site (every site for a persona without
   * a home) when absent. A failover to another site names that site.
   */
  sites: z.array(idSchema).min(1).optional(),
  /**
   * A move to another site while the persona's own site is up (no `sourceDown`): how long its
   * replicas there get to hold all it wrote (the final sync) before the move is refused and undone.
   */
  syncTimeoutSeconds: z.number().int().min(5).max(86400).default(600),
});
