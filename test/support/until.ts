import { setTimeout as sleep } from 'node:timers/promises';

/** Polls `check` every 20 ms until it holds; fails naming `what` after `timeoutMs`. */
export async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/**
 * Reads `get` every 250 ms until `done` holds or `ms` pass, and returns the last value either way
 * (the caller's expect then says what was wrong): for API listings that are eventually consistent.
 */
export async function pollUntil<T>(
  get: () => Promise<T>,
  done: (v: T) => boolean,
  ms = 20_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (done(v) || Date.now() > deadline) return v;
    await sleep(250);
  }
}
