import type { HolderCheck } from '../../domain/ledger/runbook-types';

interface Waiting {
  readonly holder: string;
  readonly resolve: (refused: string | undefined) => void;
  readonly reject: (e: unknown) => void;
}

/**
 * The ledger's question "is this holder a running rackshift run", gathered: Updates that name
 * holders not yet checked while a check is under way wait for the next one, which asks about all of
 * them at once (a failover's children arrive together; one activity answers them all). A holder
 * asked about again before its answer shares the first question.
 */
export class HolderChecks {
  private readonly pending = new Map<string, Promise<string | undefined>>();
  private queued: Waiting[] = [];
  private asking = false;

  constructor(private readonly ask: (holders: string[]) => Promise<HolderCheck[]>) {}

  /** Why `holder` may not hold leases, or undefined when it is a running rackshift run. */
  refusal(holder: string): Promise<string | undefined> {
    const known = this.pending.get(holder);
    if (known !== undefined) return known;
    const answer = new Promise<string | undefined>((resolve, reject) => {
      this.queued.push({ holder, resolve, reject });
    });
    this.pending.set(holder, answer);
    if (!this.asking) void this.drain();
    return answer;
  }

  private async drain(): Promise<void> {
    this.asking = true;
    while (this.queued.length > 0) {
      const batch = this.queued.splice(0);
      try {
        const checks = await this.ask(batch.map((w) => w.holder));
        for (const w of batch) {
          const check = checks.find((c) => c.holder === w.holder);
          w.resolve(check === undefined ? 'the check did not answer for it' : check.refused);
        }
      } catch (e) {
        for (const w of batch) w.reject(e);
      } finally {
        for (const w of batch) this.pending.delete(w.holder);
      }
    }
    this.asking = false;
  }
}
