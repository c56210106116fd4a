import { z } from 'zod';
import { idSchema } from '../inventory/patterns';
import {
  inventoryViewSchema,
  machineDetailSchema,
  personaDetailSchema,
} from './inventory-view-schema';
import {
  approvalAnswerSchema,
  cancelAnswerSchema,
  drillDetailSchema,
  drillListSchema,
  errorBodySchema,
  healthSchema,
  readySchema,
  runbookListSchema,
  runListSchema,
  runStartedSchema,
  runViewSchema,
  scheduleDeletedSchema,
  scheduleDetailSchema,
  scheduleListSchema,
  scheduleStateSchema,
  scheduleTriggeredSchema,
} from './api-schemas';
import { approvalInputSchema } from '../workflows/site-failover/failover-messages';
import { DRILL_RUNBOOKS, rolesAllowed, type Action } from './roles';
import { runIdSchema } from './run-id';
import { RUNBOOKS } from './runbook-catalog';
import { idempotencyKeySchema } from './run-starter';
import {
  createScheduleBodySchema,
  noteBodySchema,
  triggerBodySchema,
} from './schedule-body-schema';

/** A zod schema as the JSON Schema (2020-12, OpenAPI 3.1's dialect) of what is sent or answered. */
function schema(s: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(s, {
    io,
    unrepresentable: 'any',
    target: 'draft-2020-12',
  }) as Record<string, unknown>;
  return rest;
}

const json = (s: z.ZodType, description: string) => ({
  description,
  content: { 'application/json': { schema: schema(s, 'output') } },
});
const problem = (description: string) => json(errorBodySchema, description);

interface Operation {
  readonly summary: string;
  /** Who may: a public route has none. */
  readonly action?: Action;
  readonly params?: ReadonlyArray<{
    name: string;
    in: 'path' | 'query' | 'header';
    schema: z.ZodType;
    required?: boolean;
    description?: string;
  }>;
  readonly body?: z.ZodType;
  readonly ok: Record<number, ReturnType<typeof json>>;
  readonly refusals?: readonly number[];
}

const REFUSALS: Record<number, string> = {
  400: 'invalid request: error.details name each field path and the rule',
  401: 'no valid bearer token',
  403: "the token's role may not do this",
  404: 'no such run, runbook, machine, persona or schedule',
  409: 'conflicts with the state: a run in flight, a used Idempotency-Key, nothing to approve',
  413: 'body larger than 256 KiB',
  503: "a site's ledger did not answer",
};

function operation(op: Operation): Record<string, unknown> {
  const authenticated = op.action !== undefined;
  const refusals = new Set<number>([
    ...(authenticated ? [400, 401, 403] : []),
    ...(op.body ? [400, 413] : []),
    ...(op.refusals ?? []),
  ]);
  const who = authenticated
    ? ` Roles: ${rolesAllowed(op.action!).join(', ')}.`
    : ' No token needed.';
  return {
    summary: op.summary,
    description: `${op.summary}.${who}`,
    ...(authenticated ? { security: [{ bearer: [] }] } : { security: [] }),
    ...(op.params && {
      parameters: op.params.map((p) => ({
        name: p.name,
        in: p.in,
        required: p.in === 'path' || p.required === true,
        schema: schema(p.schema, 'input'),
        ...(p.description && { description: p.description }),
      })),
    }),
    ...(op.body && {
      requestBody: {
        required: true,
        content: { 'application/json': { schema: schema(op.body, 'input') } },
      },
    }),
    responses: {
      ...op.ok,
      ...Object.fromEntries([...refusals].sort().map((s) => [String(s), problem(REFUSALS[s]!)])),
    },
  };
}

const read: Action = { kind: 'read' };
const runIdParam = {
  name: 'runId',
  in: 'path' as const,
  schema: runIdSchema,
  description: 'the run id (a workflow id; URL-encode its slashes)',
};
const scheduleIdParam = { name: 'id', in: 'path' as const, schema: idSchema };

function paths(): Record<string, Record<string, unknown>> {
  const p: Record<string, Record<string, Operation>> = {
    '/healthz': {
      get: { summary: 'the process answers', ok: { 200: json(healthSchema, 'alive') } },
    },
    '/readyz': {
      get: {
        summary: 'Temporal answers and a worker polls the task queue',
        ok: {
          200: json(readySchema, 'ready'),
          503: json(readySchema, 'not ready: which check failed'),
        },
      },
    },
    '/api/v1/openapi.json': {
      get: {
        summary: 'this document',
        ok: {
          200: {
            description: 'OpenAPI 3.1',
            content: { 'application/json': { schema: { type: 'object' } } },
          },
        },
      },
    },
    '/api/v1/runbooks': {
      get: {
        summary: 'the runbooks and their input JSON Schemas',
        action: read,
        ok: { 200: json(runbookListSchema, 'runbooks') },
      },
    },
    '/api/v1/runs': {
      get: {
        summary: 'recent runs (at most 100)',
        action: read,
        params: [{ name: 'runbook', in: 'query', schema: z.string().regex(/^[a-z0-9-]{1,40}$/) }],
        ok: { 200: json(runListSchema, 'runs') },
      },
    },
    '/api/v1/runs/{runId}': {
      get: {
        summary: 'one run: status, progress, result or failure',
        action: read,
        params: [runIdParam],
        ok: { 200: json(runViewSchema, 'the run') },
        refusals: [404],
      },
    },
    '/api/v1/runs/{runId}/approval': {
      post: {
        summary:
          "approve or reject a failover's plan (not with the token that started it; `by` is the token's name)",
        action: { kind: 'approve' },
        params: [runIdParam],
        body: approvalInputSchema.omit({ by: true }),
        ok: { 200: json(approvalAnswerSchema, 'decided') },
        refusals: [404, 409],
      },
    },
    '/api/v1/runs/{runId}/cancel': {
      post: {
        summary: 'cancel a run (its saga compensates; drill operators: drill runs only)',
        action: { kind: 'run', runbook: DRILL_RUNBOOKS[0]! },
        params: [runIdParam],
        ok: { 202: json(cancelAnswerSchema, 'cancellation requested') },
        refusals: [404, 409],
      },
    },
    '/api/v1/inventory': {
      get: {
        summary: "the topology joined with every site's ledger",
        action: read,
        ok: { 200: json(inventoryViewSchema, 'inventory') },
        refusals: [503],
      },
    },
    '/api/v1/inventory/machines/{id}': {
      get: {
        summary: 'one machine',
        action: read,
        params: [{ name: 'id', in: 'path', schema: idSchema }],
        ok: { 200: json(machineDetailSchema, 'machine') },
        refusals: [404, 503],
      },
    },
    '/api/v1/inventory/personas/{name}': {
      get: {
        summary: 'one persona',
        action: read,
        params: [{ name: 'name', in: 'path', schema: idSchema }],
        ok: { 200: json(personaDetailSchema, 'persona') },
        refusals: [404, 503],
      },
    },
    '/api/v1/drills': {
      get: {
        summary: 'the newest drill runs with their summaries, and the RTO trend',
        action: read,
        params: [{ name: 'limit', in: 'query', schema: z.number().int().min(1).max(100) }],
        ok: { 200: json(drillListSchema, 'drills') },
      },
    },
    '/api/v1/drills/{runId}': {
      get: {
        summary: 'one drill run with its report',
        action: read,
        params: [runIdParam],
        ok: { 200: json(drillDetailSchema, 'drill') },
        refusals: [404],
      },
    },
    '/api/v1/schedules': {
      get: {
        summary: 'the schedules',
        action: read,
        ok: { 200: json(scheduleListSchema, 'schedules') },
      },
      post: {
        summary: 'schedule a drill',
        action: { kind: 'run', runbook: DRILL_RUNBOOKS[0]! },
        body: createScheduleBodySchema,
        ok: { 201: json(scheduleDetailSchema, 'created') },
        refusals: [409],
      },
    },
    '/api/v1/schedules/{id}': {
      get: {
        summary: 'one schedule with its recent runs',
        action: read,
        params: [scheduleIdParam],
        ok: { 200: json(scheduleDetailSchema, 'schedule') },
        refusals: [404],
      },
      delete: {
        summary: 'delete a schedule',
        action: { kind: 'administer' },
        params: [scheduleIdParam],
        ok: { 200: json(scheduleDeletedSchema, 'deleted') },
        refusals: [404],
      },
    },
    '/api/v1/schedules/{id}/pause': {
      post: {
        summary: 'pause a schedule',
        action: { kind: 'administer' },
        params: [scheduleIdParam],
        body: noteBodySchema,
        ok: { 200: json(scheduleStateSchema, 'paused') },
        refusals: [404],
      },
    },
    '/api/v1/schedules/{id}/unpause': {
      post: {
        summary: 'unpause a schedule',
        action: { kind: 'administer' },
        params: [scheduleIdParam],
        body: noteBodySchema,
        ok: { 200: json(scheduleStateSchema, 'unpaused') },
        refusals: [404],
      },
    },
    '/api/v1/schedules/{id}/trigger': {
      post: {
        summary: "start a schedule's run now",
        action: { kind: 'run', runbook: DRILL_RUNBOOKS[0]! },
        params: [scheduleIdParam],
        body: triggerBodySchema,
        ok: { 202: json(scheduleTriggeredSchema, 'triggered') },
        refusals: [404],
      },
    },
  };
  for (const r of RUNBOOKS) {
    p[`/api/v1/runbooks/${r.name}/runs`] = {
      post: {
        summary: `start a ${r.name} run: ${r.description}`,
        action: { kind: 'run', runbook: r.name },
        params: [
          {
            name: 'Idempotency-Key',
            in: 'header',
            schema: idempotencyKeySchema,
            description: 'the same key and body answer with the first run; another body gets 409',
          },
        ],
        body: z.strictObject({ input: r.inputSchema }),
        ok: {
          202: json(
            runStartedSchema,
            'started (or, for a repeated Idempotency-Key, the first run)',
          ),
        },
        refusals: [409],
      },
    };
  }
  return Object.fromEntries(
    Object.entries(p).map(([path, ops]) => [
      path,
      Object.fromEntries(Object.entries(ops).map(([m, op]) => [m, operation(op)])),
    ]),
  );
}

let cached: Record<string, unknown> | undefined;

/**
 * The API's OpenAPI 3.1 document, generated from the zod schemas the routes validate with and
 * answer by, so the contract and the code cannot drift apart. `/metrics` is Prometheus text,
 * outside the contract.
 */
export function openApiDocument(): Record<string, unknown> {
  cached ??= {
    openapi: '3.1.0',
    info: {
      title: 'rackshift API',
      version: '1',
      description:
        'Runbooks, runs, schedules, drills and inventory of rackshift. Errors are { error: { code, message, details } }.',
    },
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'rackshift token create --role viewer|drill-operator|operator|admin',
        },
      },
    },
    security: [{ bearer: [] }],
    paths: paths(),
  };
  return cached;
}
