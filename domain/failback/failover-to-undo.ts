import { z } from 'zod';
import { RackshiftError } from '../../common/errors';
import { fieldIssues } from '../../common/field-path';
import { idSchema } from '../../inventory/patterns';
import type { RunResult } from './run-result';

/** The workflow type of the site-failover runbook (api/runbook-catalog names the same). */
export const SITE_FAILOVER_TYPE = 'siteFailover';

/**
 * Thrown when a run a failback is asked to undo is not a completed site-failover run with a
 * readable report.
 */
export class NotAFailoverRunError extends RackshiftError {
  static override readonly final = true;
  override readonly name = 'NotAFailoverRunError';
  constructor(run: string, why: string) {
    super(`${run} is not a site-failover run to fail back from: ${why}`, {
      context: { run },
    });
  }
}

/**
 * The parts of a FailoverReport (workflows/site-failover/failover-report) a failback reads;
 * every other field may be there, and is ignored.
 */
const failoverResultSchema = z.object({
  runbook: z.literal('site-failover', {
    error: 'must be "site-failover" (a dr-drill cleans up after itself)',
  }),
  outcome: z.enum(['completed', 'partial', 'rejected', 'expired', 'nothing-failed']),
  personas: z.array(
    z.object({
      persona: idSchema,
      outcome: z.enum(['restored', 'failed', 'not-restored', 'skipped']),
      endedOn: z.string().optional(),
    }),
  ),
  hosts: z.array(z.object({ machine: idSchema, outcome: z.enum(['up', 'failed']) })),
  plan: z
    .object({ evictions: z.array(z.object({ machine: idSchema, occupant: idSchema })) })
    .optional(),
  /** The evictions the moves really did (reports of older runs have only the plan's). */
  evictions: z
    .array(
      z.object({
        machine: idSchema,
        occupant: idSchema,
        outcome: z.enum(['evicted', 'not-evicted']),
      }),
    )
    .optional(),
});

/** What a failback takes from a site-failover run. */
export interface FailoverToUndo {
  readonly run: string;
  readonly outcome: string;
  /** Personas the failover restored, and where it left each. */
  readonly restored: ReadonlyArray<{ readonly persona: string; readonly endedOn?: string }>;
  /** Machines it brought up as hypervisor hosts. */
  readonly hosts: readonly string[];
  /** Occupants it shut down to make room, and the machine each ran on. */
  readonly evictions: ReadonlyArray<{ readonly machine: string; readonly occupant: string }>;
}

/**
 * Checks that `found` (what Temporal says of workflow `run`) is a completed site-failover run
 * and takes what a failback needs from its report; throws NotAFailoverRunError saying why not.
 */
export function failoverToUndo(run: string, found: RunResult | undefined): FailoverToUndo {
  if (found === undefined)
    throw new NotAFailoverRunError(run, 'Temporal knows no workflow with this id');
  if (found.workflowType !== SITE_FAILOVER_TYPE)
    throw new NotAFailoverRunError(
      run,
      `it is a ${found.workflowType} run, not a ${SITE_FAILOVER_TYPE} run`,
    );
  if (found.status !== 'COMPLETED')
    throw new NotAFailoverRunError(run, `its latest run is ${found.status}, not COMPLETED`);
  const parsed = failoverResultSchema.safeParse(found.result);
  if (!parsed.success) {
    throw new NotAFailoverRunError(
      run,
      `its result is not a failover report (${fieldIssues(parsed.error, ['result'])
        .map((i) => `${i.path}: ${i.message}`)
        .join('; ')})`,
    );
  }
  const report = parsed.data;
  return {
    run,
    outcome: report.outcome,
    restored: report.personas
      .filter((p) => p.outcome === 'restored')
      .map((p) => ({ persona: p.persona, ...(p.endedOn !== undefined && { endedOn: p.endedOn }) })),
    hosts: [
      ...new Set(report.hosts.filter((h) => h.outcome === 'up').map((h) => h.machine)),
    ].sort(),
    // An occupant whose eviction never happened still runs on its machine: nothing to bring back.
    evictions: (
      report.evictions?.filter((e) => e.outcome === 'evicted') ??
      report.plan?.evictions ??
      []
    ).map((e) => ({ machine: e.machine, occupant: e.occupant })),
  };
}
