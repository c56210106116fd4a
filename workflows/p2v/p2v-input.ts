import { z } from 'zod';
import { idSchema } from '../../inventory/patterns';

export const p2vInputSchema = z
  .strictObject({
    persona: idSchema,
    /**
     * The hypervisor host; chosen when absent (role hypervisor in the ledger, right arch, most room
     * left).
     */
    host: idSchema.optional(),
    /**
     * san: the VM boots the persona's own LUNs (re-pointed). copy: the machine's local disk is
     * streamed to a new volume the VM boots.
     */
    mode: z.enum(['san', 'copy']),
    /** How long the persona's OS gets to shut down cleanly on its machine before a hard off. */
    graceSeconds: z.number().int().min(1).max(3600).default(300),
    /** How long the persona gets to answer its health check as a VM. */
    healthTimeoutSeconds: z.number().int().min(5).max(7200).default(600),
    powerTimeoutSeconds: z.number().int().min(5).max(3600).default(300),
    /** Copy mode: bytes per chunk (each checksummed, each a resume point), in MiB. */
    copyChunkMiB: z.number().int().min(1).max(64).default(4),
    /**
     * The machine it ran on is gone (a disaster failover): do not power it off or shut its ports;
     * fence it by unmasking its LUNs, and record it as unknown. San mode only.
     */
    sourceDown: z.boolean().default(false),
    /**
     * With `sourceDown`: `full` (the site guard) also powers it off through its BMC if that answers
     * and shuts its ports, before the unmask.
     */
    fence: z.enum(['luns', 'full']).default('luns'),
    /**
     * The machine it ran on, when neither the ledger nor the arrays can tell (a failover passes the
     * planner's answer).
     */
    from: idSchema.optional(),
  })
  .refine((i) => !(i.sourceDown && i.mode === 'copy'), {
    message: 'a machine that is down cannot serve its disk: use mode san',
    path: ['sourceDown'],
  });
