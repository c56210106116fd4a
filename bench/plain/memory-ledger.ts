import type { ActivityDeps } from '../../activities/activity-deps';
import { toApplicationFailure } from '../../activities/application-failure';
import type { LedgerState } from '../../inventory/ledger-records';
import {
  acquireInputSchema,
  bootInputSchema,
  machineInputSchema,
  machinesInputSchema,
  placeInputSchema,
  releaseInputSchema,
  type AcquireInput,
  type BootInput,
  type MachineInput,
  type MachinesInput,
  type PlaceInput,
  type ReleaseInput,
} from '../../domain/ledger/ledger-inputs';
import { LedgerBook } from '../../workflows/ledger/ledger-book';

/** How old a conflicting lease must be before its holder is asked whether it still runs. */
const RECLAIM_AFTER_MS = 60_000;

type LedgerApi = ActivityDeps['ledger'];

/**
 * The site ledgers of the plain baseline: the ledger workflow's book (workflows/ledger/ledger-book,
 * pure) in this process's memory, behind the same methods as temporal/ledger-client, so the
 * activities and the boot server (api/ledger-boot-assignments) use it unchanged. Each request
 * applies the same book rule as the ledger workflow's Update handler of that name, and a rule
 * violation reaches the caller as the ApplicationFailure the Update would fail with. Nothing is
 * durable: the book dies with the process.
 */
export class MemoryLedger implements LedgerApi {
  private readonly books = new Map<string, LedgerBook>();

  /** `isOpen` says whether a lease holder (a run's workflow id) still runs. */
  constructor(private readonly isOpen: (holder: string) => boolean) {}

  private book(site: string): LedgerBook {
    let book = this.books.get(site);
    if (book === undefined) {
      book = new LedgerBook({ site });
      this.books.set(site, book);
    }
    return book;
  }

  private apply<R>(change: () => R): Promise<R> {
    try {
      return Promise.resolve(change());
    } catch (e) {
      return Promise.reject(toApplicationFailure(e));
    }
  }

  acquire(site: string, raw: AcquireInput) {
    return this.apply(() => {
      const input = acquireInputSchema.parse(raw);
      const book = this.book(site);
      const stale = book
        .conflicts(input.holder, input.resources)
        .filter((c) => Date.parse(c.acquiredAt) <= Date.now() - RECLAIM_AFTER_MS);
      const ended = new Set(stale.map((c) => c.holder).filter((h) => !this.isOpen(h)));
      const reclaimed: unknown[] = ended.size > 0 ? book.reclaim(ended) : [];
      const at = new Date().toISOString();
      const granted = book.acquire(input.holder, input.resources, input.purpose, at, input.vacant);
      return { granted, reclaimed };
    });
  }

  release(site: string, raw: ReleaseInput) {
    return this.apply(() => {
      const input = releaseInputSchema.parse(raw);
      return { released: this.book(site).release(input.holder, input.resources) };
    });
  }

  place(site: string, raw: PlaceInput) {
    return this.apply(() => {
      const input = placeInputSchema.parse(raw);
      return { previous: this.book(site).place(input.holder, input.persona, input.placement) };
    });
  }

  setMachine(site: string, raw: MachineInput) {
    return this.apply(() => {
      const { holder: _holder, forget, ...update } = machineInputSchema.parse(raw);
      const book = this.book(site);
      return {
        previous: forget
          ? book.forgetMachine(update.machine)
          : book.setMachine(update, new Date().toISOString()),
      };
    });
  }

  setMachines(site: string, raw: MachinesInput) {
    return this.apply(() => {
      const input = machinesInputSchema.parse(raw);
      const at = new Date().toISOString();
      for (const m of input.machines) this.book(site).setMachine(m, at);
      return { recorded: input.machines.length };
    });
  }

  setBoot(site: string, raw: BootInput) {
    return this.apply(() => {
      const input = bootInputSchema.parse(raw);
      const book = this.book(site);
      return { previous: book.setBoot(input.holder, input.mac, input.machine, input.assignment) };
    });
  }

  snapshot(site: string): Promise<LedgerState> {
    return Promise.resolve(this.book(site).snapshot());
  }

  openRuns(workflowIds: readonly string[]): Promise<string[]> {
    return Promise.resolve(workflowIds.filter((id) => this.isOpen(id)));
  }
}
