import { z } from 'zod';
import { idSchema } from '../../inventory/patterns';

export const releaseInputSchema = z.strictObject({
  /** The persona to stop; for a hypervisor host, its cluster persona (e.g. vmhost-a). */
  persona: idSchema,
  /** How long its OS (or its VM's guest) gets to shut down cleanly before a hard off. */
  graceSeconds: z.number().int().min(1).max(3600).default(300),
  powerTimeoutSeconds: z.number().int().min(5).max(3600).default(300),
});

export type ReleaseInput = z.output<typeof releaseInputSchema>;
