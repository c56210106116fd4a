import { z } from 'zod';
import { approvalTimeoutSecondsSchema } from '../../domain/failover/failover-scope';
import { idSchema } from '../../inventory/patterns';

export const guardPolicySchema = z.enum(['auto', 'approve', 'alert']);

/**
 * What the guard does per persona priority (1 highest … 5), unless `byPersona` names the persona.
 * 1–2 default to `approve`: a false alarm there moves production, so a person confirms. 3–5
 * default to `auto`: they are restored at once (fenced first), and a failover never evicts a
 * more important persona to make room, so acting fast on them risks little.
 */
export const guardPolicyTableSchema = z.strictObject({
  byPriority: z
    .strictObject({
      '1': guardPolicySchema.default('approve'),
      '2': guardPolicySchema.default('approve'),
      '3': guardPolicySchema.default('auto'),
      '4': guardPolicySchema.default('auto'),
      '5': guardPolicySchema.default('auto'),
    })
    .default({ 1: 'approve', 2: 'approve', 3: 'auto', 4: 'auto', 5: 'auto' }),
  byPersona: z.record(idSchema, guardPolicySchema).default({}),
});

/**
 * Where notifications go. The HMAC key is the `password` of a named credential, resolved by the
 * activity at call time.
 */
export const guardWebhookSchema = z.strictObject({
  url: z
    .string()
    .regex(
      /^https?:\/\/[A-Za-z0-9.[\]:_-]+(?::\d{1,5})?(?:\/[A-Za-z0-9._~%/+=?&-]*)?$/,
      'must be an http(s) URL without spaces or quotes',
    ),
  secret: idSchema,
});

export const siteGuardInputSchema = z.strictObject({
  site: idSchema,
  /** Seconds between probe rounds. */
  intervalSeconds: z.number().int().min(1).max(3600).default(30),
  /**
   * Consecutive rounds in which both the BMC and the persona's health check fail before a machine
   * counts as lost; at least 2, so one failed probe never moves anything.
   */
  failuresToLose: z.number().int().min(2).max(100).default(3),
  /**
   * Machines judged lost within this many seconds of the first form one event (one rack or site
   * failover).
   */
  eventWindowSeconds: z.number().int().min(0).max(3600).default(60),
  /** How many BMCs and health checks are probed at once. */
  probeParallelism: z.number().int().min(1).max(128).default(16),
  /** Probe rounds per workflow run before it continues as new (its history stays small). */
  roundsPerRun: z.number().int().min(1).max(1000).default(200),
  policy: guardPolicyTableSchema.default({
    byPriority: { 1: 'approve', 2: 'approve', 3: 'auto', 4: 'auto', 5: 'auto' },
    byPersona: {},
  }),
  webhook: guardWebhookSchema.optional(),
  /** Passed to the restores the guard starts. */
  restore: z
    .strictObject({
      healthTimeoutSeconds: z.number().int().min(5).max(7200).default(600),
      powerTimeoutSeconds: z.number().int().min(5).max(3600).default(300),
      approvalTimeoutSeconds: approvalTimeoutSecondsSchema,
    })
    .default({ healthTimeoutSeconds: 600, powerTimeoutSeconds: 300, approvalTimeoutSeconds: 3600 }),
  paused: z.boolean().default(false),
  /** What a run hands to the next one when it continues as new; never set by hand. */
  carry: z.unknown().optional(),
});

export type SiteGuardInput = z.output<typeof siteGuardInputSchema>;
