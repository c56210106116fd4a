import { z } from 'zod';
import { idSchema } from '../../inventory/patterns';

/**
 * Which machines a failover or drill is about: a whole site, some racks, or some machines.
 * Exactly one of the three.
 */
export const failoverScopeShape = {
  site: idSchema.optional(),
  racks: z.array(idSchema).min(1, 'name at least one rack').max(64).optional(),
  machines: z.array(idSchema).min(1, 'name at least one machine').max(1024).optional(),
};

/**
 * The rule the shape alone cannot say; add it with `.check(exactlyOneScope)` to every schema built
 * on the shape.
 */
export const exactlyOneScope = z.refine<{ site?: unknown; racks?: unknown; machines?: unknown }>(
  (s) => [s.site, s.racks, s.machines].filter((x) => x !== undefined).length === 1,
  {
    message: 'name exactly one of site, racks or machines',
    path: ['site'],
  },
);

/**
 * Concurrency limits; each overrides the topology's (site parallelMoves, switch/array/BMC
 * maxParallel).
 */
export const failoverLimitsSchema = z.strictObject({
  overall: z.number().int().min(1).max(256).optional(),
  perSwitch: z.number().int().min(1).max(64).optional(),
  perArray: z.number().int().min(1).max(64).optional(),
  perBmc: z.number().int().min(1).max(64).optional(),
});

export type FailoverLimits = z.output<typeof failoverLimitsSchema>;

/** How long a manual approval of a failover plan may take before the failover gives up. */
export const approvalTimeoutSecondsSchema = z
  .number()
  .int()
  .min(10)
  .max(7 * 24 * 3600)
  .default(3600);
