import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  patched,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { ledgerChecks, ledgerOpenRuns } from '../activity-proxies/ledger';
import { isRackshiftError } from '../../common/errors';
import type { LedgerState } from '../../inventory/ledger-records';
import { HolderChecks } from './holder-checks';
import { LedgerBook } from './ledger-book';
import { UnknownHolderError } from './ledger-errors';
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
/**
 * Holders are checked (and ended holders found) by an activity, never a local one: a local
 * activity awaited in an Update handler while another Update was accepted wrote histories the SDK
 * could not replay (docs/runbooks/ledger.md, "Why an activity").
 */
const VERIFY_HOLDERS_PATCH = 'ledger-verifies-holders-by-activity';

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

  const checks = new HolderChecks((holders) => ledgerChecks.checkHolders(holders));
  /**
   * Refuses a holder that is not a running rackshift run (asked once, then remembered while it
   * holds a lease). Ledgers that started before took any holder.
   */
  const trust = async (holder: string): Promise<void> => {
    if (!patched(VERIFY_HOLDERS_PATCH) || book.isVerified(holder)) return;
    const refused = await checks.refusal(holder);
    if (refused !== undefined) throw new UnknownHolderError(holder, refused);
    book.markVerified(holder);
  };
  /** Which of `holders` still run: an activity since the holder check, a local one before. */
  const openRuns = (holders: string[]): Promise<string[]> =>
    patched(VERIFY_HOLDERS_PATCH) ? ledgerChecks.openRuns(holders) : ledgerOpenRuns(holders);

  setHandler(
    acquireUpdate,
    async (raw) => {
      const input = acquireInputSchema.parse(raw);
      try {
        await trust(input.holder);
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
    async (raw) => {
      const { holder, forget, ...update } = machineInputSchema.parse(raw);
      try {
        // A machine record is not leased (a failover records every machine of its scope), so the
        // holder is checked as on acquire.
        await trust(holder);
      } catch (e) {
        throw asUpdateFailure(e);
      }
      return {
        previous: forget ? book.forgetMachine(update.machine) : book.setMachine(update, now()),
      };
    },
    { validator: validator(machineInputSchema) },
  );

  setHandler(
    setMachinesUpdate,
    async (raw) => {
      const input = machinesInputSchema.parse(raw);
      try {
        // As on setMachine: the records are not leased, so the holder is checked.
        await trust(input.holder);
      } catch (e) {
        throw asUpdateFailure(e);
      }
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
  book.forgetUnleasedHolders();
  return continueAsNew<typeof siteLedger>(book.snapshot(), options);
}
