import { ScheduleOverlapPolicy } from '@temporalio/client';
import { z } from 'zod';
import { idSchema } from '../inventory/patterns';
import { cronProblem, durationSchema, durationSeconds, timezoneSchema } from './schedule-spec';

/**
 * Runbooks that may fire unattended. A drill works on spares, bubble VLANs and snapshot clones and
 * always cleans up, so it is the only one; a runbook joins this list when the same holds for it.
 */
const SCHEDULABLE_RUNBOOKS = ['dr-drill'] as const;

/**
 * When a fire is missed because Temporal was down, it still runs if the server is back within
 * this window. One hour, not the SDK's year: a drill that would start hours late (into business
 * hours, onto spares someone now needs) is skipped, and the next regular one runs.
 */
const DEFAULT_CATCHUP_WINDOW = '1h';

/** Human text kept with a schedule (why it exists, why it was paused): printable, one line. */
const noteSchema = z
  .string()
  .max(200)
  .regex(/^[^\x00-\x1f\x7f]*$/, 'must be one line of printable text');

const scheduleSpecSchema = z
  .strictObject({
    cron: z
      .string()
      .max(100)
      .superRefine((s, ctx) => {
        const problem = cronProblem(s);
        if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
      })
      .optional(),
    /** Every n units since the Unix epoch (so `1d` fires at 00:00 UTC). */
    interval: durationSchema(['s', 'm', 'h', 'd'], '10s', '365d').optional(),
    /**
     * Each fire is delayed by a random amount up to this, so drills of many schedules do not start
     * together.
     */
    jitter: durationSchema(['s', 'm', 'h'], '0s', '24h').optional(),
    /** The zone the cron fields are read in; UTC when absent. */
    timezone: timezoneSchema.optional(),
  })
  .superRefine((spec, ctx) => {
    if ((spec.cron === undefined) === (spec.interval === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['cron'],
        message: 'give exactly one of cron or interval',
      });
    }
    if (spec.timezone !== undefined && spec.interval !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['timezone'],
        message: 'applies to cron only: an interval counts from the Unix epoch, whatever the zone',
      });
    }
    if (
      spec.jitter !== undefined &&
      spec.interval !== undefined &&
      durationSeconds(spec.jitter) >= durationSeconds(spec.interval)
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['jitter'],
        message: `must be shorter than the interval (${spec.interval})`,
      });
    }
  });

export const createScheduleBodySchema = z.strictObject({
  id: idSchema,
  runbook: z.enum(SCHEDULABLE_RUNBOOKS, {
    error: (issue) =>
      `only ${SCHEDULABLE_RUNBOOKS.join(', ')} may be scheduled (got ${JSON.stringify(issue.input)})`,
  }),
  /** Checked afterwards against the runbook's own input schema and the topology. */
  input: z.record(z.string(), z.unknown(), { error: 'must be the runbook input object' }),
  spec: scheduleSpecSchema,
  catchupWindow: durationSchema(['s', 'm', 'h'], '10s', '168h').default(DEFAULT_CATCHUP_WINDOW),
  paused: z.boolean().default(false),
  note: noteSchema.optional(),
});

export const noteBodySchema = z.strictObject({ note: noteSchema.optional() });

const OVERLAP_POLICIES = [
  'SKIP',
  'BUFFER_ONE',
  'BUFFER_ALL',
  'CANCEL_OTHER',
  'TERMINATE_OTHER',
  'ALLOW_ALL',
] as const satisfies readonly ScheduleOverlapPolicy[];

/**
 * A manual fire skips when a drill of the schedule still runs, unless the caller says otherwise.
 */
export const triggerBodySchema = z.strictObject({
  overlap: z.enum(OVERLAP_POLICIES).default(ScheduleOverlapPolicy.SKIP),
});

export type CreateScheduleBody = z.output<typeof createScheduleBodySchema>;
export type ScheduleSpecBody = z.output<typeof scheduleSpecSchema>;
