import type { ActivityOptions, LocalActivityOptions, RetryPolicy } from '@temporalio/workflow';

/**
 * Timeout and retry profiles, one per kind of hardware call. Every activity heartbeats while it
 * runs (activities/activity-context keepAlive), so each profile has a 10 s heartbeat timeout: a
 * worker that dies mid-call is replaced within seconds. Errors whose name is listed in
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
  'CommandRejectedError',
  'LunMaskConflictError',
  'LeaseConflictError',
  'LeaseRequiredError',
  'NoCapacityError',
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
  heartbeatTimeout: '10s',
  retry: hardwareRetry,
};

/**
 * Polling a BMC until a power state is reached; heartbeats every poll so a dead worker is noticed
 * fast.
 */
export function powerWait(timeoutSeconds: number): ActivityOptions {
  return {
    startToCloseTimeout: `${timeoutSeconds + 60}s`,
    heartbeatTimeout: '10s',
    retry: hardwareRetry,
  };
}

/**
 * Switch port changes: sessions are serialized per switch, so a call may wait; it heartbeats while
 * it does.
 */
export const switchConfig: ActivityOptions = {
  startToCloseTimeout: '5m',
  heartbeatTimeout: '10s',
  retry: hardwareRetry,
};

/** LUN masking and provisioning on arrays and fabrics. */
export const storageOp: ActivityOptions = {
  startToCloseTimeout: '5m',
  heartbeatTimeout: '10s',
  retry: hardwareRetry,
};

/**
 * Ledger Updates and reads: quick, and retried for a long time, because a run must not lose its
 * bookkeeping.
 */
export const ledgerOp: ActivityOptions = {
  startToCloseTimeout: '30s',
  heartbeatTimeout: '10s',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '20s',
    maximumAttempts: 30,
    nonRetryableErrorTypes: [...NON_RETRYABLE],
  },
};

/** Pure lookups over the topology and the ledgers. */
export const planOp: ActivityOptions = {
  startToCloseTimeout: '30s',
  heartbeatTimeout: '10s',
  retry: { maximumAttempts: 5, nonRetryableErrorTypes: [...NON_RETRYABLE] },
};

/**
 * The failover planner as a local activity: CPU only, no I/O; a planner that refuses its input
 * fails non-retryably (plan-or-fail), anything else is retried a few times.
 */
export const plannerLocal: LocalActivityOptions = {
  startToCloseTimeout: '120s',
  retry: { maximumAttempts: 3, nonRetryableErrorTypes: [...NON_RETRYABLE] },
};

/**
 * Reading a failover's or drill's scope: every BMC of it probed in parallel (8 s each),
 * heartbeating per probe.
 */
export const scopeProbe: ActivityOptions = {
  ...planOp,
  startToCloseTimeout: '5m',
  heartbeatTimeout: '30s',
};

/**
 * Asking the BMC of a machine last seen dark whether it answers again: a dead BMC is an answer, not
 * a reason to keep trying.
 */
export const powerProbe: ActivityOptions = {
  startToCloseTimeout: '30s',
  heartbeatTimeout: '10s',
  retry: { initialInterval: '1s', maximumAttempts: 2, nonRetryableErrorTypes: [...NON_RETRYABLE] },
};

/** Probing a persona's health check until it answers. */
export function healthWait(timeoutSeconds: number): ActivityOptions {
  return {
    startToCloseTimeout: `${timeoutSeconds + 60}s`,
    heartbeatTimeout: '10s',
    retry: hardwareRetry,
  };
}

/** A compensation: retried a few times more patiently, then recorded as left to fix by hand. */
export const undoOp: ActivityOptions = {
  startToCloseTimeout: '5m',
  heartbeatTimeout: '10s',
  retry: {
    initialInterval: '2s',
    backoffCoefficient: 2,
    maximumInterval: '30s',
    maximumAttempts: 5,
    nonRetryableErrorTypes: [
      'ValidationError',
      'NotFoundError',
      'CredentialError',
      'BmcAuthError',
      'SshAuthError',
      'HostKeyMismatchError',
    ],
  },
};

/**
 * One hypervisor call (define, start, remove a VM) over SSH; a host still booting answers after a
 * retry.
 */
export const hypervisorOp: ActivityOptions = {
  startToCloseTimeout: '2m',
  heartbeatTimeout: '10s',
  retry: hardwareRetry,
};

/**
 * Streaming a disk to a volume: hours for a big disk. The copy heartbeats its offset after each
 * stored chunk, so a retry (dead worker, dropped stream) resumes there: more attempts are cheap.
 */
export const diskCopy: ActivityOptions = {
  startToCloseTimeout: '12h',
  heartbeatTimeout: '10s',
  retry: {
    initialInterval: '2s',
    backoffCoefficient: 2,
    maximumInterval: '30s',
    maximumAttempts: 10,
    nonRetryableErrorTypes: [...NON_RETRYABLE, 'DiskCopyMismatchError', 'DiskRequestRefusedError'],
  },
};

/**
 * One site guard probe round: every BMC (8 s each) and health check of a site, heartbeating per
 * probe; a failed round is a doubtful one, not retried for long.
 */
export const guardProbe: ActivityOptions = {
  startToCloseTimeout: '5m',
  heartbeatTimeout: '30s',
  retry: { initialInterval: '1s', maximumAttempts: 2, nonRetryableErrorTypes: [...NON_RETRYABLE] },
};

/**
 * A webhook notification: a receiver that is down gets a few patient retries; a wrong credential
 * none.
 */
export const notifyOp: ActivityOptions = {
  startToCloseTimeout: '30s',
  heartbeatTimeout: '10s',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '20s',
    maximumAttempts: 5,
    nonRetryableErrorTypes: [...NON_RETRYABLE],
  },
};

/**
 * Fencing a lost machine's BMC or switch ports: asked once or twice, briefly; the LUN unmask is the
 * fence that must hold.
 */
export const fenceOp: ActivityOptions = {
  startToCloseTimeout: '60s',
  heartbeatTimeout: '10s',
  retry: { initialInterval: '1s', maximumAttempts: 2, nonRetryableErrorTypes: [...NON_RETRYABLE] },
};
