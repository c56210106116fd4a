import { Context } from '@temporalio/activity';

/** Heartbeat when running inside an activity; a no-op when a driver-level test calls the function directly. */
export function heartbeat(details?: unknown): void {
  try {
    Context.current().heartbeat(details);
  } catch {
    // Not inside an activity (direct call from a test or the CLI): nothing to report to.
  }
}

/** The activity's cancellation signal, or a signal that never fires outside an activity. */
export function cancellationSignal(): AbortSignal {
  try {
    return Context.current().cancellationSignal;
  } catch {
    return new AbortController().signal;
  }
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
