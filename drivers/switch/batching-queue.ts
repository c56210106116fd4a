export interface BatchingQueueOptions<T> {
  /** Batches that may run at once (the switch's session limit). */
  readonly limit: number;
  readonly maxBatch: number;
  /** Items with the same key run in order and never in two batches at once (a port). */
  readonly key: (item: T) => string;
  /**
   * Runs one batch; returns the items it did not start, which go back to the front of the queue.
   */
  readonly run: (batch: T[]) => Promise<T[]>;
}

/**
 * A FIFO that hands out batches: whatever queued while the running batches were busy goes
 * out together in the next one, at most `limit` batches at a time. Items queued in the same
 * tick start together, because a batch is formed on the next turn of the event loop.
 */
export class BatchingQueue<T> {
  private readonly queue: T[] = [];
  private readonly busyKeys = new Set<string>();
  private running = 0;
  private scheduled = false;
  private readonly idleWaiters: Array<() => void> = [];

  constructor(private readonly options: BatchingQueueOptions<T>) {}

  get waiting(): number {
    return this.queue.length;
  }

  get active(): number {
    return this.running;
  }

  push(item: T): void {
    this.queue.push(item);
    this.schedule();
  }

  /** Removes and returns every waiting item (for shutdown). */
  drain(): T[] {
    return this.queue.splice(0);
  }

  /** Resolves once no batch is running. */
  idle(): Promise<void> {
    if (this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  private take(): T[] {
    const batch: T[] = [];
    const skipped = new Set<string>();
    for (let i = 0; i < this.queue.length && batch.length < this.options.maxBatch; ) {
      const item = this.queue[i] as T;
      const key = this.options.key(item);
      if (this.busyKeys.has(key) || skipped.has(key)) {
        skipped.add(key);
        i += 1;
        continue;
      }
      batch.push(item);
      this.queue.splice(i, 1);
    }
    return batch;
  }

  private pump(): void {
    while (this.running < this.options.limit && this.queue.length > 0) {
      const batch = this.take();
      if (batch.length === 0) return;
      const keys = new Set(batch.map(this.options.key));
      for (const k of keys) this.busyKeys.add(k);
      this.running += 1;
      void this.options
        .run(batch)
        .then(
          (leftover) => this.queue.unshift(...leftover),
          () => undefined,
        )
        .finally(() => {
          for (const k of keys) this.busyKeys.delete(k);
          this.running -= 1;
          if (this.running === 0) for (const w of this.idleWaiters.splice(0)) w();
          this.pump();
        });
    }
  }
}
