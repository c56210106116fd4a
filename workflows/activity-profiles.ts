import type { ActivityOptions, RetryPolicy } from '@temporalio/workflow';
import { FINAL_ERRORS } from './final-errors';

// Timeout and retry profiles, one per kind of hardware call. Every activity heartbeats while it
// runs (activities/activity-context keepAlive), so each profile has a 10 s heartbeat timeout: a
// worker that dies mid-call is replaced within seconds. Errors whose class is final
// (workflows/final-errors) are final at once: retrying a rejected password only locks the account.

/**
 * Final errors that a compensation still retries: an undo runs while this run's other undos and
 * other runs change the same ledger, arrays and switches, so a lease or mask conflict or a
 * refused command may clear by the next attempt (and the undo is recorded as left to fix if not).
 */
export const RETRIED_BY_UNDOS: readonly string[] = [
  'CommandRejectedError',
  'LunMaskConflictError',
  'LeaseConflictError',
  'LeaseRequiredError',
  'UnsupportedActionError',
];

const hardwareRetry: RetryPolicy = {
  initialInterval: '2s',
  backoffCoefficient: 2,
  maximumInterval: '30s',
  maximumAttempts: 6,
  nonRetryableErrorTypes: [...FINAL_ERRORS],
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
    nonRetryableErrorTypes: [...FINAL_ERRORS],
  },
};

/** Pure lookups over the topology and the ledgers. */
export const planOp: ActivityOptions = {
  startToCloseTimeout: '30s',
  heartbeatTimeout: '10s',
  retry: { maximumAttempts: 5, nonRetryableErrorTypes: [...FINAL_ERRORS] },
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
  retry: { initialInterval: '1s', maximumAttempts: 2, nonRetryableErrorTypes: [...FINAL_ERRORS] },
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
    nonRetryableErrorTypes: FINAL_ERRORS.filter((type) => !RETRIED_BY_UNDOS.includes(type)),
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
    nonRetryableErrorTypes: [...FINAL_ERRORS],
  },
};

/**
 * One site guard probe round: every BMC (8 s each) and health check of a site, heartbeating per
 * probe; a failed round is a doubtful one, not retried for long.
 */
export const guardProbe: ActivityOptions = {
  startToCloseTimeout: '5m',
  heartbeatTimeout: '30s',
  retry: { initialInterval: '1s', maximumAttempts: 2, nonRetryableErrorTypes: [...FINAL_ERRORS] },
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
    nonRetryableErrorTypes: [...FINAL_ERRORS],
  },
};

/**
 * Fencing a lost machine's BMC or switch ports: asked once or twice, briefly; the LUN unmask is the
 * fence that must hold.
 */
export const fenceOp: ActivityOptions = {
  startToCloseTimeout: '60s',
  heartbeatTimeout: '10s',
  retry: { initialInterval: '1s', maximumAttempts: 2, nonRetryableErrorTypes: [...FINAL_ERRORS] },
};
