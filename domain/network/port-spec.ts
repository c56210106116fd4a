import { z } from 'zod';
import { idSchema, portNameSchema, vlanSchema } from '../../inventory/patterns';

export const portRefSchema = z.strictObject({ switchId: idSchema, port: portNameSchema });

/**
 * A port and exactly what it should be: absent VLAN fields are not configured, shutdown defaults to
 * false.
 */
export const portSpecSchema = portRefSchema.extend({
  mode: z.enum(['access', 'trunk']),
  accessVlan: vlanSchema.optional(),
  trunkVlans: z.array(vlanSchema).max(4094).optional(),
  shutdown: z.boolean().default(false),
  /** The mode is left unconfigured (the device default), as a port read back may report. */
  defaultMode: z.literal(true).optional(),
});
export type PortSpec = z.input<typeof portSpecSchema>;
export type PortRef = z.input<typeof portRefSchema>;
