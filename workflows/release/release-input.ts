import { z } from 'zod';
import { idSchema } from '../../inventory/patterns';

export const releaseInputSchema = z
  .strictObject({
    /** The persona to stop. */
    persona: idSchema.optional(),
    /**
     * Or a hypervisor host to take out of its cluster and return to spare (refused while VMs live
     * on it).
     */
    machine: idSchema.optional(),
    /** How long its OS (or its VM's guest) gets to shut down cleanly before a hard off. */
    graceSeconds: z.number().int().min(1).max(3600).default(300),
    powerTimeoutSeconds: z.number().int().min(5).max(3600).default(300),
  })
  .refine((r) => (r.persona === undefined) !== (r.machine === undefined), {
    message:
      'name exactly one of persona (a persona to stop) or machine (a hypervisor host to release)',
    path: ['persona'],
  });

export type ReleaseInput = z.output<typeof releaseInputSchema>;
