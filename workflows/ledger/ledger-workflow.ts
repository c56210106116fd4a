import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  patched,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { ledgerOpenRuns as openRuns } from '../activity-proxies/ledger';
import { isRackshiftError } from '../../common/errors';
import type { LedgerState } from '../../inventory/ledger-records';
import { LedgerBook } from './ledger-book';
import {
  acquireInputSchema,
  bootInputSchema,
  machineInputSchema,
  machinesInputSchema,
  placeInputSchema,
  releaseInputSchema,
} from '../../domain/ledger/ledger-inputs';
import {
  acquireUpdate,
  placeUpdate,
  releaseUpdate,
  setBootUpdate,
  setMachineUpdate,
  setMachinesUpdate,
  snapshotQuery,
} from './ledger-messages';

const LEASE_AGE_PATCH = 'ledger-reclaim-only-aged-leases';

export interface LedgerOptions {
  /**
   * Age after which a conflicting lease's holder is checked, and the lease reclaimed if its run has
   * ended (default 60 s).
   */
  readonly reclaimAfterMs?: number;
  /**
   * History length after which the ledger continues as new; default 2,000, well below Temporal's
   * own warning limits.
   */
  readonly maxHistoryEvents?: number;
}

/**
 * Rule violations fail the Update (the caller sees a typed error); anything else fails the task and
 * is retried.
 */
function asUpdateFailure(e: unknown): unknown {
  if (!isRackshiftError(e)) return e;
  return ApplicationFailure.create({
    type: e.name,
    message: e.message,
    nonRetryable: true,
    details: [e.context],
  });
}

function validator<T>(schema: {
  safeParse(v: unknown): {
    success: boolean;
    error?: { issues: Array<{ path: PropertyKey[]; message: string }> };
  };
}) {
  return (input: T): void => {
    const r = schema.safeParse(input);
    if (!r.success)
      throw new Error(
        `invalid input: ${r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
  };
}

/**
 * The site ledger: one entity workflow per site (`ledger/<site>`) that owns leases,
 * placements, machine records and boot assignments. Changed only through Updates (validated
 * before they enter history), read through the `snapshot` query, and continued as new with
 * its state before the history grows large. Leases of runs that have ended are reclaimed
 * when someone else asks for them.
 */
export async function siteLedger(
  initial: LedgerState | { site: string },
  options: LedgerOptions = {},
): Promise<never> {
  const book = new LedgerBook(initial);
  const now = (): string => new Date().toISOString();

  setHandler(snapshotQuery, () => book.snapshot());

  setHandler(
    acquireUpdate,
    async (raw) => {
      const input = acquireInputSchema.parse(raw);
      try {
        const conflicts = book.conflicts(input.holder, input.resources);
        let reclaimed: ReturnType<LedgerBook['reclaim']> = [];
        // Leases younger than `reclaimAfterMs` are presumed live: asking Temporal whether their
        // holders still run costs a local activity per contended Update, which under a burst of
        // runs racing for the same machines dominated the ledger's work (patched: ledgers that
        // started before checked every conflict).
        const minAge = patched(LEASE_AGE_PATCH) ? (options.reclaimAfterMs ?? 60_000) : 0;
        const stale = conflicts.filter((c) => Date.parse(c.acquiredAt) <= Date.now() - minAge);
        if (stale.length > 0) {
          const holders = [...new Set(stale.map((c) => c.holder))].sort();
          const open = new Set(await openRuns(holders));
          reclaimed = book.reclaim(new Set(holders.filter((h) => !open.has(h))));
        }
        const granted = book.acquire(
          input.holder,
          input.resources,
          input.purpose,
          now(),
          input.vacant,
        );
        return { granted, reclaimed };
      } catch (e) {
        throw asUpdateFailure(e);
      }
    },
    { validator: validator(acquireInputSchema) },
  );

  setHandler(
    releaseUpdate,
    (raw) => {
      const input = releaseInputSchema.parse(raw);
      return { released: book.release(input.holder, input.resources) };
    },
    { validator: validator(releaseInputSchema) },
  );

  setHandler(
    placeUpdate,
    (raw) => {
      const input = placeInputSchema.parse(raw);
      try {
        return { previous: book.place(input.holder, input.persona, input.placement) };
      } catch (e) {
        throw asUpdateFailure(e);
      }
    },
    { validator: validator(placeInputSchema) },
  );

  setHandler(
    setMachineUpdate,
    (raw) => {
      const { holder: _holder, forget, ...update } = machineInputSchema.parse(raw);
      return {
        previous: forget ? book.forgetMachine(update.machine) : book.setMachine(update, now()),
      };
    },
    { validator: validator(machineInputSchema) },
  );

  setHandler(
    setMachinesUpdate,
    (raw) => {
      const input = machinesInputSchema.parse(raw);
      const at = now();
      for (const m of input.machines) book.setMachine(m, at);
      return { recorded: input.machines.length };
    },
    { validator: validator(machinesInputSchema) },
  );

  setHandler(
    setBootUpdate,
    (raw) => {
      const input = bootInputSchema.parse(raw);
      try {
        return { previous: book.setBoot(input.holder, input.mac, input.machine, input.assignment) };
      } catch (e) {
        throw asUpdateFailure(e);
      }
    },
    { validator: validator(bootInputSchema) },
  );

  const maxHistory = options.maxHistoryEvents ?? 2_000;
  await condition(
    () => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > maxHistory,
  );
  await condition(allHandlersFinished);
  return continueAsNew<typeof siteLedger>(book.snapshot(), options);
}
