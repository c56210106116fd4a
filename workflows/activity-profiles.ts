import type { ActivityOptions, RetryPolicy } from '@temporalio/workflow';

/**
 * Timeout and retry profiles, one per kind of hardware call. Errors whose name is listed in
 * NON_RETRYABLE are final at once: retrying a rejected password only locks the account.
 */
export const NON_RETRYABLE = [
  'ValidationError',
  'NotFoundError',
  'CredentialError',
  'BmcAuthError',
  'UnsupportedActionError',
  'SshAuthError',
  'HostKeyMismatchError',
] as const;

const hardwareRetry: RetryPolicy = {
  initialInterval: '2s',
  backoffCoefficient: 2,
  maximumInterval: '30s',
  maximumAttempts: 6,
  nonRetryableErrorTypes: [...NON_RETRYABLE],
};

/** One BMC request (read state, press a button, set the boot device). */
export const powerOp: ActivityOptions = {
  startToCloseTimeout: '90s',
  retry: hardwareRetry,
};

/** Polling a BMC until a power state is reached; heartbeats every poll so a dead worker is noticed fast. */
export function powerWait(timeoutSeconds: number): ActivityOptions {
  return {
    startToCloseTimeout: `${timeoutSeconds + 60}s`,
    heartbeatTimeout: '10s',
    retry: hardwareRetry,
  };
}
