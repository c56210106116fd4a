import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  type Client,
} from '@temporalio/client';
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { FieldIssue } from '../common/errors';
import type { TopologyIndex } from '../inventory/topology-index';
import { ACTOR_KEY, MACHINE_KEY } from '../temporal/search-attributes';
import type { RunbookEntry } from './runbook-catalog';
import type { Principal } from './token-store';

/** Runbooks that act on the machines they name: never two runs on one machine at once. */
const MACHINE_SCOPED_RUNBOOKS: ReadonlySet<string> = new Set([
  'power',
  'repurpose',
  'hypervisor-bringup',
  'v2p',
]);

export const idempotencyKeySchema = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{1,128}$/, 'must be 1–128 letters, digits and . _ : -');

/**
 * Who started a run and what was asked, in its memo (shown in the Temporal UI beside its history).
 */
const runMemoSchema = z.looseObject({
  startedBy: z.looseObject({ name: z.string(), tokenId: z.string(), role: z.string() }),
  requestHash: z.string().optional(),
});
export type RunMemo = z.infer<typeof runMemoSchema>;

export type StartOutcome =
  | {
      readonly kind: 'started' | 'replayed';
      readonly workflowId: string;
      readonly temporalRunId: string;
    }
  | {
      readonly kind: 'conflict';
      readonly message: string;
      readonly details: readonly FieldIssue[];
    };

/**
 * The memo of a run the API started; undefined for a run it did not (a schedule's before this, a
 * foreign one).
 */
export function runMemoOf(memo: Record<string, unknown> | undefined): RunMemo | undefined {
  const parsed = runMemoSchema.safeParse(memo ?? {});
  return parsed.success ? parsed.data : undefined;
}

/**
 * Starts runbook runs for the API: every run carries its starter in its memo and the
 * `RackshiftActor` search attribute; a start with an Idempotency-Key is answered by the first run
 * of that key; a machine-scoped runbook refuses a machine another run is working on.
 *
 * Idempotency is Temporal's: the key (with the caller's name) becomes the workflow id, started
 * with conflict policy FAIL and reuse policy REJECT_DUPLICATE, so the server itself refuses a
 * second run of the key, across API restarts and replicas, for as long as the namespace keeps
 * the first (its retention). The body's hash in the memo tells a retry from a key reused for
 * another request.
 *
 * The machine check asks visibility for a running run with `RackshiftMachine = <m>`. Visibility
 * lags a start by moments, so starts are serialized in this process and the runs it started
 * are remembered until visibility shows them. Across API replicas the ledger's machine lease,
 * which the runbooks take, is what finally refuses the second run.
 */
export class RunStarter {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly recent = new Map<string, string>();

  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
  ) {}

  async start(
    entry: RunbookEntry,
    input: unknown,
    topology: TopologyIndex,
    by: Principal,
    idempotencyKey: string | undefined,
  ): Promise<StartOutcome> {
    const requestHash = createHash('sha256')
      .update(JSON.stringify({ runbook: entry.name, input }))
      .digest('hex');
    const workflowId =
      idempotencyKey === undefined
        ? entry.workflowId(input, new Date())
        : `keyed/${by.name}/${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 24)}`;
    const attributes = entry.searchAttributes(input, topology);
    const machines = MACHINE_SCOPED_RUNBOOKS.has(entry.name)
      ? ((attributes.find((a) => a.key.name === MACHINE_KEY.name)?.value as string[] | undefined) ??
        [])
      : [];
    const run = async (): Promise<StartOutcome> => {
      if (idempotencyKey !== undefined) {
        const earlier = await this.keyed(workflowId, requestHash);
        if (earlier !== undefined) return earlier;
      }
      for (const machine of machines) {
        const busy = await this.inFlight(machine);
        if (busy !== undefined) {
          return {
            kind: 'conflict',
            message: `${machine} is in use by run ${busy}; wait for it to end or cancel it`,
            details: [{ path: 'input.machine', message: `run ${busy} is in flight on ${machine}` }],
          };
        }
      }
      try {
        const memo: RunMemo = {
          startedBy: { name: by.name, tokenId: by.tokenId, role: by.role },
          requestHash,
        };
        const handle = await this.client.workflow.start(entry.workflowType, {
          taskQueue: this.taskQueue,
          workflowId,
          args: [input],
          typedSearchAttributes: [...attributes, { key: ACTOR_KEY, value: by.name }],
          memo,
          staticSummary: `${entry.name} by ${by.name}: ${JSON.stringify(input)}`.slice(0, 200),
          workflowIdConflictPolicy: 'FAIL',
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
        });
        for (const m of machines) this.recent.set(m, workflowId);
        return { kind: 'started', workflowId, temporalRunId: handle.firstExecutionRunId };
      } catch (e) {
        // The same key raced in from another request or replica: the first one's run answers.
        if (e instanceof WorkflowExecutionAlreadyStartedError && idempotencyKey !== undefined) {
          const earlier = await this.keyed(workflowId, requestHash);
          if (earlier !== undefined) return earlier;
        }
        throw e;
      }
    };
    if (machines.length === 0 && idempotencyKey === undefined) return run();
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /**
   * The run an earlier request with this key started: replayed when the body is the same, a
   * conflict when not.
   */
  private async keyed(workflowId: string, requestHash: string): Promise<StartOutcome | undefined> {
    let d;
    try {
      d = await this.client.workflow.getHandle(workflowId).describe();
    } catch (e) {
      if (e instanceof WorkflowNotFoundError) return undefined;
      throw e;
    }
    if (runMemoOf(d.memo)?.requestHash === requestHash)
      return { kind: 'replayed', workflowId, temporalRunId: d.runId };
    return {
      kind: 'conflict',
      message: `Idempotency-Key was used for another request (run ${workflowId}); use a new key for a new request`,
      details: [
        {
          path: 'headers.idempotency-key',
          message: `already used by run ${workflowId} with another runbook or input`,
        },
      ],
    };
  }

  /** The workflow id of a run in flight on this machine, if any. */
  private async inFlight(machine: string): Promise<string | undefined> {
    const remembered = this.recent.get(machine);
    if (remembered !== undefined) {
      const d = await this.client.workflow
        .getHandle(remembered)
        .describe()
        .catch(() => undefined);
      if (d?.status.name === 'RUNNING') return remembered;
      this.recent.delete(machine);
    }
    const query = `${MACHINE_KEY.name} = '${machine}' AND ExecutionStatus = 'Running'`;
    for await (const w of this.client.workflow.list({ query, pageSize: 1 })) return w.workflowId;
    return undefined;
  }
}
