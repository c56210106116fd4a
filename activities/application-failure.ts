import { ApplicationFailure } from '@temporalio/common';
import { isRackshiftError } from '../common/errors';
import { keepAlive } from './activity-context';

/**
 * The activity boundary: rackshift errors become ApplicationFailures whose `type` is the
 * error's stable name, non-retryable when the error says so (auth, validation). Unknown
 * errors pass through and are retried by the activity's policy.
 */
export function toApplicationFailure(e: unknown): unknown {
  if (!isRackshiftError(e)) return e;
  return ApplicationFailure.create({
    message: e.message,
    type: e.name,
    nonRetryable: !e.retryable,
    details: [e.context],
    cause: e,
  });
}

/**
 * Wraps every function of an activity object so its rackshift errors cross the boundary typed,
 * and so it heartbeats while it runs (a dead worker is noticed by the heartbeat timeout).
 */
export function withFailureMapping<
  T extends Record<string, (...args: never[]) => Promise<unknown>>,
>(activities: T): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(activities)) {
    wrapped[name] = async (...args: never[]) => {
      try {
        return await keepAlive(() => fn(...args));
      } catch (e) {
        throw toApplicationFailure(e);
      }
    };
  }
  return wrapped as T;
}
