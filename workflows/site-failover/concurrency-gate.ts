import { condition } from '@temporalio/workflow';

/** A shared thing a move touches, with how many moves may touch it at once. */
export interface GateKey {
  readonly key: string;
  readonly limit: number;
}

/**
 * Admits work while every key it touches has room, in workflow code (deterministic: admission
 * happens inside the condition check, which Temporal evaluates in the same order on replay, so
 * two waiters can never both take the last slot). Waiters are admitted in the order they asked
 * whenever their keys allow it; one blocked on a busy switch does not hold back one that needs
 * another switch. `usage()` gives the most in use per key, for the report and the tests.
 */
export class ConcurrencyGate {
  private readonly inUse = new Map<string, number>();
  private readonly peak = new Map<string, number>();
  private readonly limits = new Map<string, number>();

  private admissible(keys: readonly GateKey[]): boolean {
    return keys.every((k) => (this.inUse.get(k.key) ?? 0) < k.limit);
  }

  private take(keys: readonly GateKey[]): void {
    for (const k of keys) {
      const n = (this.inUse.get(k.key) ?? 0) + 1;
      this.inUse.set(k.key, n);
      this.peak.set(k.key, Math.max(n, this.peak.get(k.key) ?? 0));
      this.limits.set(k.key, k.limit);
    }
  }

  /** Per key: its limit and the most moves that held it at once, sorted by key. */
  usage(): { key: string; limit: number; peak: number }[] {
    return [...this.peak.keys()]
      .sort()
      .map((key) => ({ key, limit: this.limits.get(key) ?? 0, peak: this.peak.get(key) ?? 0 }));
  }

  private give(keys: readonly GateKey[]): void {
    for (const k of keys) this.inUse.set(k.key, (this.inUse.get(k.key) ?? 1) - 1);
  }

  async run<T>(keys: readonly GateKey[], work: () => Promise<T>): Promise<T> {
    const unique = [...new Map(keys.map((k) => [k.key, k])).values()];
    await condition(() => {
      if (!this.admissible(unique)) return false;
      this.take(unique);
      return true;
    });
    try {
      return await work();
    } finally {
      this.give(unique);
    }
  }
}
