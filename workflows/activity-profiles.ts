import type { Duration } from '@temporalio/common';
import type { ActivityOptions, LocalActivityOptions, RetryPolicy } from '@temporalio/workflow';
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

/** A profile: the call's time budget and retry policy; every call heartbeats (10 s unless said). */
const profile = (
  startToCloseTimeout: Duration,
  retry: RetryPolicy,
  heartbeatTimeout: Duration = '10s',
): ActivityOptions => ({ startToCloseTimeout, heartbeatTimeout, retry });

/** Retries with a doubling wait, never of a final error. */
const backoff = (
  maximumAttempts: number,
  initialInterval: Duration = '2s',
  maximumInterval: Duration = '30s',
): RetryPolicy => ({
  initialInterval,
  backoffCoefficient: 2,
  maximumInterval,
  maximumAttempts,
  nonRetryableErrorTypes: [...FINAL_ERRORS],
});

/** Asked once more at the most: a silent device is an answer here, not a reason to keep trying. */
const briefly: RetryPolicy = {
  initialInterval: '1s',
  maximumAttempts: 2,
  nonRetryableErrorTypes: [...FINAL_ERRORS],
};

const hardwareRetry = backoff(6);

/** One BMC request (read state, press a button, set the boot device). */
export const powerOp = profile('90s', hardwareRetry);

/**
 * Polling a BMC until a power state is reached; heartbeats every poll so a dead worker is noticed
 * fast.
 */
export const powerWait = (timeoutSeconds: number): ActivityOptions =>
  profile(`${timeoutSeconds + 60}s`, hardwareRetry);

/**
 * Switch port changes: sessions are serialized per switch, so a call may wait; it heartbeats while
 * it does.
 */
export const switchConfig = profile('5m', hardwareRetry);

/** LUN masking and provisioning on arrays and fabrics. */
export const storageOp = profile('5m', hardwareRetry);

/**
 * Ledger Updates and reads: quick, and retried for a long time, because a run must not lose its
 * bookkeeping.
 */
export const ledgerOp = profile('30s', backoff(30, '1s', '20s'));

const lookupRetry: RetryPolicy = { maximumAttempts: 5, nonRetryableErrorTypes: [...FINAL_ERRORS] };

/** Pure lookups over the topology and the ledgers. */
export const planOp = profile('30s', lookupRetry);

/**
 * The failover planner as a local activity: CPU only, no I/O; a planner that refuses its input
 * fails non-retryably (plan-or-fail), anything else is retried a few times.
 */
export const plannerLocal: LocalActivityOptions = {
  startToCloseTimeout: '120s',
  retry: { maximumAttempts: 3, nonRetryableErrorTypes: [...FINAL_ERRORS] },
};

/**
 * Reading a failover's or drill's scope: every BMC of it probed in parallel (8 s each),
 * heartbeating per probe.
 */
export const scopeProbe = profile('5m', lookupRetry, '30s');

/** Asking the BMC of a machine last seen dark whether it answers again. */
export const powerProbe = profile('30s', briefly);

/** Probing a persona's health check until it answers. */
export const healthWait = (timeoutSeconds: number): ActivityOptions =>
  profile(`${timeoutSeconds + 60}s`, hardwareRetry);

/** A compensation: retried a few times more patiently, then recorded as left to fix by hand. */
export const undoOp = profile('5m', {
  ...backoff(5),
  nonRetryableErrorTypes: FINAL_ERRORS.filter((type) => !RETRIED_BY_UNDOS.includes(type)),
});

/**
 * One hypervisor call (define, start, remove a VM) over SSH; a host still booting answers after a
 * retry.
 */
export const hypervisorOp = profile('2m', hardwareRetry);

/**
 * Streaming a disk to a volume: hours for a big disk. The copy heartbeats its offset after each
 * stored chunk, so a retry (dead worker, dropped stream) resumes there: more attempts are cheap.
 */
export const diskCopy = profile('12h', backoff(10));

/**
 * One site guard probe round: every BMC (8 s each) and health check of a site, heartbeating per
 * probe; a failed round is a doubtful one, not retried for long.
 */
export const guardProbe = profile('5m', briefly, '30s');

/**
 * A webhook notification: a receiver that is down gets a few patient retries; a wrong credential
 * none.
 */
export const notifyOp = profile('30s', backoff(5, '1s', '20s'));

/**
 * Fencing a lost machine's BMC or switch ports: asked once or twice, briefly; the LUN unmask is the
 * fence that must hold.
 */
export const fenceOp = profile('60s', briefly);
