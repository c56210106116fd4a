import { z } from 'zod';
import { idSchema } from '../../inventory/patterns';

export const hypervisorBringupInputSchema = z.strictObject({
  /** The machine to make a hypervisor host; it needs a `hypervisor` block in the topology. */
  machine: idSchema,
  /**
   * The cluster the machine joins as a host (topology `clusters:`); default: the one it rests in,
   * else the only one serving its site.
   */
  cluster: idSchema.optional(),
  /**
   * May the machine's repurposable occupant be shut down to make room (only a strictly less
   * important one)?
   */
  allowEvict: z.boolean().default(false),
  /** How long an evicted occupant gets to shut down cleanly before a hard off. */
  evictGraceSeconds: z.number().int().min(1).max(3600).default(300),
  /** How long the host gets after power-on until its libvirt answers. */
  readyTimeoutSeconds: z.number().int().min(5).max(7200).default(600),
  powerTimeoutSeconds: z.number().int().min(5).max(3600).default(300),
});
