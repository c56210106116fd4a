import { z } from 'zod';
import { hostSchema, idSchema } from '../../inventory/patterns';
import { bubbleNetworkSchema } from '../../inventory/ledger-records';
import {
  exactlyOneScope,
  failoverLimitsSchema,
  failoverScopeShape,
} from '../../domain/failover/failover-scope';

export const drDrillInputSchema = z
  .strictObject({
    ...failoverScopeShape,
    /**
     * The isolated test VLAN of each production network the drilled personas use. Drill copies
     * get these on their ports instead of the production VLANs; a network without an entry
     * cannot be drilled (the drill refuses before it changes anything).
     */
    bubble: z.array(bubbleNetworkSchema).max(256).default([]),
    /**
     * Where drill copies answer their health checks (the bubble's side); the persona's own address
     * when absent.
     */
    healthHost: hostSchema.optional(),
    /**
     * Take repurposable machines too (evicting their occupants for the drill's length)? Spares only
     * by default.
     */
    allowRepurpose: z.boolean().default(false),
    limits: failoverLimitsSchema.default({}),
    targetSites: z.array(idSchema).min(1).optional(),
    /**
     * The cluster a plan's hosts belong to, where a target site has several (the planner's rule, as
     * for site-failover).
     */
    cluster: idSchema.optional(),
    healthTimeoutSeconds: z.number().int().min(5).max(7200).default(600),
    powerTimeoutSeconds: z.number().int().min(5).max(3600).default(300),
    /** How long drill copies stay up after they all answered, before the clean-up (0: at once). */
    holdSeconds: z
      .number()
      .int()
      .min(0)
      .max(24 * 3600)
      .default(0),
  })
  .check(exactlyOneScope)
  .refine((d) => new Set(d.bubble.map((b) => b.network)).size === d.bubble.length, {
    message: 'each network may have one bubble VLAN',
    path: ['bubble'],
  })
  .refine((d) => new Set(d.bubble.map((b) => b.vlan)).size === d.bubble.length, {
    message: 'each bubble VLAN may serve one network',
    path: ['bubble'],
  });
