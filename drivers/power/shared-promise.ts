/**
 * A value computed once and shared by concurrent callers (a login, a discovery), forgotten
 * when it fails so that the next call tries again instead of replaying the failure.
 */
export class SharedPromise<T> {
  private current: Promise<T> | undefined;

  get(start: () => Promise<T>): Promise<T> {
    if (this.current === undefined) {
      const p = start();
      this.current = p;
      p.catch(() => this.forget(p));
    }
    return this.current;
  }

  /** The promise in flight or settled, if any, without starting one. */
  peek(): Promise<T> | undefined {
    return this.current;
  }

  /** Forgets the value; with `only`, only if it is still that one (a newer value is kept). */
  forget(only?: Promise<T>): void {
    if (only === undefined || this.current === only) this.current = undefined;
  }
}
