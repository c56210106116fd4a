import { z } from 'zod';
import { idSchema } from '../../inventory/patterns';
import {
  approvalTimeoutSecondsSchema,
  exactlyOneScope,
  failoverLimitsSchema,
  failoverScopeShape,
} from '../../domain/failover/failover-scope';

export const siteFailoverInputSchema = z
  .strictObject({
    ...failoverScopeShape,
    /**
     * disaster: the scope is gone; do not wait for it (its BMCs are not asked to power off, its
     * LUNs are fenced on the arrays). planned: shut each persona down cleanly first, and refuse
     * to start when any source machine's BMC does not answer or any replica of a move to another
     * site cannot sync; such a move switches the persona's replicas over after a final sync.
     */
    mode: z.enum(['disaster', 'planned']).default('disaster'),
    /**
     * true: probe every machine of the scope (BMC power state, and the health check of the persona
     * it runs) in parallel; dark BMCs and failing personas count as failed. false: every machine of
     * the scope that runs a persona counts as failed (an explicit list).
     */
    probe: z.boolean().default(true),
    /**
     * manual: wait for an approve or reject Update after planning; the plan is in `progress`
     * meanwhile.
     */
    approval: z.enum(['auto', 'manual']).default('auto'),
    /**
     * Disaster mode: how a source machine is fenced before its persona moves (repurpose's `fence`);
     * the site guard asks for `full`.
     */
    fence: z.enum(['luns', 'full']).default('luns'),
    /** How long a manual approval may take before the failover gives up (nothing changed). */
    approvalTimeoutSeconds: approvalTimeoutSecondsSchema,
    limits: failoverLimitsSchema.default({}),
    /**
     * May repurposable machines' occupants be evicted (only for strictly more important personas)?
     */
    allowRepurpose: z.boolean().default(true),
    /** Sites whose machines may be taken; every site when absent. */
    targetSites: z.array(idSchema).min(1).optional(),
    /** The cluster new hypervisor hosts join; required only where a target site has several. */
    cluster: idSchema.optional(),
    /**
     * Ignored: a cluster names its image now. Accepted so that runs started before clusters still
     * replay.
     */
    hypervisorImage: idSchema.optional(),
    healthTimeoutSeconds: z.number().int().min(5).max(7200).default(600),
    powerTimeoutSeconds: z.number().int().min(5).max(3600).default(300),
    /** Planned mode: how long each persona gets to shut down cleanly before a hard off. */
    graceSeconds: z.number().int().min(1).max(3600).default(300),
    /**
     * Planned mode, a move to another site: how long its replicas there get for the final sync
     * before that persona's move is refused and undone (it runs where it ran).
     */
    syncTimeoutSeconds: z.number().int().min(5).max(86400).default(600),
  })
  .check(exactlyOneScope);
