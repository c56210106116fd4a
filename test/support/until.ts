import { setTimeout as sleep } from 'node:timers/promises';

/** Polls `check` every 20 ms until it holds; fails naming `what` after `timeoutMs`. */
export async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}
