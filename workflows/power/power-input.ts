import { z } from 'zod';
import { idSchema } from '../../inventory/patterns';

export const powerActionSchema = z.enum(['on', 'off', 'soft-off', 'cycle']);

export const powerInputSchema = z.strictObject({
  machine: idSchema,
  action: powerActionSchema,
  /** Set before the power action, e.g. PXE for the next boot. */
  bootDevice: z
    .strictObject({
      device: z.enum(['pxe', 'disk']),
      persistent: z.boolean().default(false),
      uefi: z.boolean().default(true),
    })
    .optional(),
  /**
   * soft-off: how long the OS gets to shut down before a hard off (VMware SRM's default: 5
   * minutes).
   */
  softOffGraceSeconds: z.number().int().min(1).max(3600).default(300),
  /**
   * Power off or cycle a machine the ledger shows running a persona (or VMs) anyway. The API lets
   * operators only set it; without it such a run is refused before any button is pressed.
   */
  force: z.boolean().default(false),
  /** How long to wait for the BMC to report the new state. */
  powerTimeoutSeconds: z.number().int().min(5).max(3600).default(300),
});

export type PowerInput = z.output<typeof powerInputSchema>;
