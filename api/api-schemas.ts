import { z } from 'zod';
import { idSchema } from '../inventory/patterns';
import { runIdSchema } from './run-id';

/**
 * The API's answers as zod schemas, for its OpenAPI document (api/openapi.ts) and the clients
 * that read it. Objects are loose: a client keeps working when a field is added.
 */

const iso = z.string().describe('ISO 8601 time');
const fieldIssue = z.object({ path: z.string(), message: z.string() });

export const errorBodySchema = z.object({
  error: z.object({
    code: z.enum([
      'ValidationError',
      'Unauthorized',
      'Forbidden',
      'NotFound',
      'Conflict',
      'PayloadTooLarge',
      'LedgerUnavailable',
      'InternalError',
    ]),
    message: z.string(),
    details: z.array(fieldIssue),
  }),
});

export const runStartedSchema = z.looseObject({
  runId: runIdSchema,
  runbook: z.string(),
  temporalRunId: z.string(),
  statusUrl: z.string(),
  temporalUiUrl: z.string().optional(),
});

export const runListSchema = z.looseObject({
  runs: z.array(
    z.looseObject({
      runId: z.string(),
      runbook: z.string(),
      status: z.string(),
      startedAt: iso,
      closedAt: iso.nullable(),
      statusUrl: z.string(),
    }),
  ),
});

export const runViewSchema = z.looseObject({
  runId: z.string(),
  runbook: z.string(),
  status: z.string(),
  temporalRunId: z.string(),
  startedAt: iso,
  closedAt: iso.nullable(),
  temporalUiUrl: z.string().optional(),
  result: z.unknown().optional(),
  failure: z
    .looseObject({ type: z.string().optional(), message: z.string() })
    .nullable()
    .optional(),
  progress: z.looseObject({}).nullable(),
});

export const runbookListSchema = z.looseObject({
  runbooks: z.array(
    z.looseObject({ name: z.string(), description: z.string(), inputSchema: z.looseObject({}) }),
  ),
});

export const approvalAnswerSchema = z.looseObject({
  runId: z.string(),
  by: z.string(),
  decision: z.enum(['approved', 'rejected']),
});
export const cancelAnswerSchema = z.looseObject({
  runId: z.string(),
  runbook: z.string(),
  cancelRequested: z.literal(true),
});

const drillRunSchema = z.looseObject({
  workflowId: z.string(),
  runId: z.string(),
  status: z.string(),
  startedAt: iso,
  closedAt: iso.nullable(),
  scheduleId: z.string().nullable(),
  summary: z.looseObject({}).nullable(),
});
export const drillListSchema = z.looseObject({
  drills: z.array(drillRunSchema),
  rto: z.looseObject({ direction: z.enum(['improving', 'worsening', 'flat']) }),
});
export const drillDetailSchema = drillRunSchema.extend({ report: z.unknown() });

export const scheduleListSchema = z.looseObject({
  schedules: z.array(z.looseObject({ id: idSchema, runbook: z.string().nullable() })),
});
export const scheduleDetailSchema = z.looseObject({
  id: idSchema,
  runbook: z.string().nullable(),
  state: z.looseObject({ paused: z.boolean(), note: z.string().nullable() }),
  recentRuns: z.array(z.looseObject({ workflowId: z.string(), status: z.string() })),
});
export const scheduleStateSchema = z.looseObject({
  id: idSchema,
  paused: z.boolean(),
  note: z.string().nullable(),
});
export const scheduleTriggeredSchema = z.looseObject({
  id: idSchema,
  triggered: z.literal(true),
  overlap: z.string(),
});
export const scheduleDeletedSchema = z.looseObject({ id: idSchema, deleted: z.literal(true) });

export const healthSchema = z.object({ status: z.literal('ok') });
export const readySchema = z.looseObject({
  status: z.enum(['ready', 'not-ready']),
  checks: z.looseObject({
    temporal: z.looseObject({ ok: z.boolean() }),
    worker: z.looseObject({ ok: z.boolean() }),
  }),
});
