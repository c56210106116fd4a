import { z } from 'zod';
import { idSchema } from '../../inventory/patterns';

export const vmRestartInputSchema = z.strictObject({
  /** A persona that ran as a VM on a hypervisor host that is gone. */
  persona: idSchema,
  /** The host to restart it on; chosen when absent (a host of the site with room). */
  host: idSchema.optional(),
  /**
   * The dead host, when the ledger does not place the persona there any more (a failover passes
   * the planner's answer).
   */
  from: idSchema.optional(),
  /**
   * `luns`: the persona's LUNs are unmasked from the dead host's initiator before the VM starts.
   * `full` (the site guard) first powers the dead host off if its BMC answers and shuts its ports.
   * A failover fences each host once for all its VMs and passes `luns`.
   */
  fence: z.enum(['luns', 'full']).default('luns'),
  healthTimeoutSeconds: z.number().int().min(5).max(7200).default(600),
  powerTimeoutSeconds: z.number().int().min(5).max(3600).default(300),
});

export type VmRestartInput = z.output<typeof vmRestartInputSchema>;
