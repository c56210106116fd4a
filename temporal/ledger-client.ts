import {
  WithStartWorkflowOperation,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { createHash, randomUUID } from 'node:crypto';
import type { LedgerState } from '../inventory/ledger-records';
import {
  acquireUpdate,
  placeUpdate,
  releaseUpdate,
  setBootUpdate,
  setMachineUpdate,
  setMachinesUpdate,
  snapshotQuery,
} from '../workflows/ledger/ledger-messages';
import type {
  AcquireInput,
  BootInput,
  MachineInput,
  MachinesInput,
  PlaceInput,
  ReleaseInput,
} from '../domain/ledger/ledger-inputs';
import { TASK_QUEUE } from '../worker/task-queue';

export const ledgerWorkflowId = (site: string): string => `ledger/${site}`;

/**
 * The update's failure, unwrapped: a LeaseConflictError from the ledger reaches the caller with its
 * type.
 */
function unwrapUpdateFailure(e: unknown): unknown {
  if (e instanceof WorkflowUpdateFailedError && e.cause instanceof ApplicationFailure) {
    return ApplicationFailure.create({
      type: e.cause.type ?? 'LedgerError',
      message: e.cause.message,
      nonRetryable: e.cause.nonRetryable ?? false,
      details: e.cause.details ?? [],
    });
  }
  return e;
}

/**
 * Talks to a site's ledger workflow: Updates with start (the first caller creates the ledger),
 * and the snapshot query. Update ids are derived from the request, so an activity retried
 * after a crash does not apply the same change twice.
 */
export class LedgerClient {
  constructor(
    private readonly client: Client,
    private readonly taskQueue = TASK_QUEUE,
  ) {}

  private start(site: string) {
    return new WithStartWorkflowOperation('siteLedger', {
      workflowId: ledgerWorkflowId(site),
      taskQueue: this.taskQueue,
      args: [{ site }],
      workflowIdConflictPolicy: 'USE_EXISTING',
      staticSummary: `ledger of site ${site}: leases, placements, boot assignments`,
    });
  }

  /**
   * Same request from the same activity → same id (deduplicated); a caller without a key always
   * gets a fresh one.
   */
  private static updateId(kind: string, input: unknown, attemptKey?: string): string {
    if (attemptKey === undefined || attemptKey === '') return `${kind}-${randomUUID()}`;
    return `${kind}-${createHash('sha256').update(JSON.stringify(input)).update(attemptKey).digest('hex').slice(0, 32)}`;
  }

  private async update<R>(
    site: string,
    def: { name: string },
    input: unknown,
    attemptKey?: string,
  ): Promise<R> {
    const updateId = LedgerClient.updateId(def.name, input, attemptKey);
    for (let attempt = 1; ; attempt += 1) {
      try {
        return (await this.client.workflow.executeUpdateWithStart(def.name, {
          args: [input],
          updateId,
          startWorkflowOperation: this.start(site),
        })) as R;
      } catch (e) {
        // An Update admitted while the ledger continues as new is never processed by that run;
        // sending it again reaches the new run (the same id keeps it applied at most once).
        if (LedgerClient.unprocessed(e) && attempt < 20) {
          await new Promise((r) => setTimeout(r, Math.min(1000, 50 * attempt)));
          continue;
        }
        throw unwrapUpdateFailure(e);
      }
    }
  }

  private static unprocessed(e: unknown): boolean {
    return (
      e instanceof WorkflowUpdateFailedError &&
      e.cause instanceof ApplicationFailure &&
      e.cause.type === 'UnprocessedUpdate'
    );
  }

  acquire(site: string, input: AcquireInput, attemptKey?: string) {
    return this.update<{ granted: string[]; reclaimed: unknown[] }>(
      site,
      acquireUpdate,
      input,
      attemptKey,
    );
  }

  release(site: string, input: ReleaseInput, attemptKey?: string) {
    return this.update<{ released: string[] }>(site, releaseUpdate, input, attemptKey);
  }

  place(site: string, input: PlaceInput, attemptKey?: string) {
    return this.update<{ previous: LedgerState['placements'][string] | null }>(
      site,
      placeUpdate,
      input,
      attemptKey,
    );
  }

  setMachine(site: string, input: MachineInput, attemptKey?: string) {
    return this.update<{ previous: LedgerState['machines'][string] | null }>(
      site,
      setMachineUpdate,
      input,
      attemptKey,
    );
  }

  setMachines(site: string, input: MachinesInput, attemptKey?: string) {
    return this.update<{ recorded: number }>(site, setMachinesUpdate, input, attemptKey);
  }

  setBoot(site: string, input: BootInput, attemptKey?: string) {
    return this.update<{ previous: LedgerState['bootAssignments'][string] | null }>(
      site,
      setBootUpdate,
      input,
      attemptKey,
    );
  }

  /** The site's live state; an empty ledger when none has been started yet. */
  async snapshot(site: string): Promise<LedgerState> {
    try {
      return await this.client.workflow.getHandle(ledgerWorkflowId(site)).query(snapshotQuery);
    } catch (e) {
      if (e instanceof WorkflowNotFoundError)
        return { site, placements: {}, leases: {}, machines: {}, bootAssignments: {}, version: 0 };
      throw e;
    }
  }

  /** Which of these workflow ids are runs still open (a lease of a closed run may be reclaimed). */
  async openRuns(workflowIds: readonly string[]): Promise<string[]> {
    const open: string[] = [];
    for (const id of workflowIds) {
      try {
        const d = await this.client.workflow.getHandle(id).describe();
        if (d.status.name === 'RUNNING') open.push(id);
      } catch (e) {
        if (!(e instanceof WorkflowNotFoundError)) throw e;
      }
    }
    return open;
  }
}
