import { Context } from '@temporalio/activity';

/** The details of each running activity's last heartbeat, so keep-alive beats never erase them. */
const lastDetails = new WeakMap<Context, unknown>();

function current(): Context | undefined {
  try {
    return Context.current();
  } catch {
    // Not inside an activity (direct call from a test or the CLI).
    return undefined;
  }
}

/**
 * Heartbeat when running inside an activity; a no-op when a driver-level test calls the function
 * directly.
 */
export function heartbeat(details?: unknown): void {
  const ctx = current();
  if (ctx === undefined) return;
  lastDetails.set(ctx, details);
  ctx.heartbeat(details);
}

/**
 * Runs `work` while beating every `everyMs` with the last details the activity reported, so
 * that every activity can have a short heartbeat timeout: a worker that dies mid-call is
 * noticed within seconds, not after the call's whole start-to-close timeout.
 */
export async function keepAlive<T>(work: () => Promise<T>, everyMs = 2000): Promise<T> {
  const ctx = current();
  if (ctx === undefined) return work();
  const timer = setInterval(() => ctx.heartbeat(lastDetails.get(ctx)), everyMs);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

/** The activity's cancellation signal, or a signal that never fires outside an activity. */
export function cancellationSignal(): AbortSignal {
  return current()?.cancellationSignal ?? new AbortController().signal;
}

/** Sleeps `ms`, waking early (with the abort reason) if the activity is cancelled. */
export function sleepUnlessCancelled(ms: number): Promise<void> {
  const signal = cancellationSignal();
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
