/**
 * What `@temporalio/workflow` becomes in the plain baseline (bench/plain/use-stand-in.ts maps the
 * module here): the runbooks' own code runs as ordinary async functions in one process, with no
 * server, no history, no retries and no timeouts. An activity is a direct call of the function
 * the worker registers; a child workflow is a direct call of the workflow function; `condition`
 * is re-checked after anything the code awaits here settles, as Temporal re-checks it after each
 * activation; `patched` is always true (the newest code path, as a new run takes). Failures are
 * wrapped as Temporal wraps them (ActivityFailure, ChildWorkflowFailure around an
 * ApplicationFailure), so the runbooks' error handling sees the same shapes. Queries, Updates and
 * search attributes do nothing: nobody can reach a plain run while it runs.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import {
  ActivityFailure,
  ChildWorkflowFailure,
  ensureApplicationFailure,
  RetryState,
} from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';
import type { Duration } from '@temporalio/common/lib/time';

// The pure parts are the real module's (this file's own import of the name is not remapped).
export {
  ApplicationFailure,
  ParentClosePolicy,
  defineQuery,
  defineSignal,
  defineUpdate,
  isCancellation,
} from '@temporalio/workflow';

type Fn = (...args: never[]) => Promise<unknown>;

/** One activity call, as the plain run made it: which run called which activity. */
export interface PlainActivityCall {
  readonly workflowId: string;
  readonly activityType: string;
  readonly local: boolean;
}

export interface PlainRuntime {
  readonly activities: Readonly<Record<string, Fn>>;
  readonly workflows: Readonly<Record<string, unknown>>;
  readonly onActivity?: (call: PlainActivityCall) => void;
}

interface Frame {
  readonly workflowId: string;
  readonly runId: string;
  readonly workflowType: string;
  readonly startTime: Date;
  activities: number;
}

const frames = new AsyncLocalStorage<Frame>();
const openRuns = new Set<string>();
const waiting = new Set<{ test: () => boolean; resolve: (met: boolean) => void }>();
let runtime: PlainRuntime | undefined;
let wakeScheduled = false;

/** Installs what activities and workflows the stand-in calls; once per process. */
export function configurePlainRuntime(r: PlainRuntime): void {
  runtime = r;
}

/** Workflow ids of the plain runs still running (the in-process ledger reclaims the others). */
export function plainOpenRuns(): ReadonlySet<string> {
  return openRuns;
}

function current(): Frame {
  const frame = frames.getStore();
  if (frame === undefined) throw new Error('not inside a plain workflow run');
  return frame;
}

function configured(): PlainRuntime {
  if (runtime === undefined) throw new Error('configurePlainRuntime was not called');
  return runtime;
}

/**
 * Re-checks the waiting conditions once the code that just resumed has run (setImmediate comes
 * after the microtasks), in the order they were made, until none is met: Temporal's rule.
 */
function wake(): void {
  if (wakeScheduled) return;
  wakeScheduled = true;
  setImmediate(() => {
    wakeScheduled = false;
    for (let met = true; met; ) {
      met = false;
      for (const w of waiting) {
        if (!w.test()) continue;
        waiting.delete(w);
        w.resolve(true);
        met = true;
      }
    }
  });
}

/** Runs a workflow function as a plain async call under its own id. */
export async function runPlainWorkflow(
  workflowType: string,
  workflowId: string,
  args: readonly unknown[],
): Promise<unknown> {
  const fn = configured().workflows[workflowType];
  if (typeof fn !== 'function') throw new Error(`no workflow named ${workflowType}`);
  const frame: Frame = {
    workflowId,
    runId: randomUUID(),
    workflowType,
    startTime: new Date(),
    activities: 0,
  };
  openRuns.add(workflowId);
  try {
    return await frames.run(frame, () => (fn as (...a: unknown[]) => Promise<unknown>)(...args));
  } finally {
    openRuns.delete(workflowId);
    wake();
  }
}

async function callActivity(type: string, args: readonly unknown[], local: boolean) {
  const rt = configured();
  const frame = current();
  frame.activities += 1;
  const fn = rt.activities[type];
  rt.onActivity?.({ workflowId: frame.workflowId, activityType: type, local });
  try {
    if (fn === undefined) throw new Error(`no activity named ${type}`);
    return await fn(...(args as never[]));
  } catch (e) {
    throw new ActivityFailure(
      'Activity task failed',
      type,
      String(frame.activities),
      RetryState.RETRY_POLICY_NOT_SET,
      'plain',
      ensureApplicationFailure(e),
    );
  } finally {
    wake();
  }
}

function activityProxy(local: boolean): Record<string, unknown> {
  return new Proxy(
    {},
    {
      get(_target, type) {
        if (typeof type !== 'string') return undefined;
        const call = (...args: unknown[]) => callActivity(type, args, local);
        call.executeWithOptions = (_options: unknown, args: unknown[]) =>
          callActivity(type, args, local);
        return call;
      },
    },
  );
}

export function proxyActivities<T>(_options?: unknown): T {
  return activityProxy(false) as T;
}

export function proxyLocalActivities<T>(_options?: unknown): T {
  return activityProxy(true) as T;
}

export async function executeChild(
  workflowType: string | ((...args: never[]) => unknown),
  options: { workflowId: string; args?: readonly unknown[] },
): Promise<unknown> {
  const type = typeof workflowType === 'string' ? workflowType : workflowType.name;
  try {
    return await runPlainWorkflow(type, options.workflowId, options.args ?? []);
  } catch (e) {
    throw new ChildWorkflowFailure(
      'default',
      { workflowId: options.workflowId, runId: '' },
      type,
      RetryState.RETRY_POLICY_NOT_SET,
      ensureApplicationFailure(e),
    );
  }
}

export function condition(test: () => boolean): Promise<void>;
export function condition(test: () => boolean, timeout: Duration): Promise<boolean>;
export function condition(test: () => boolean, timeout?: Duration): Promise<boolean | void> {
  return new Promise((resolve) => {
    const entry = { test, resolve };
    waiting.add(entry);
    if (timeout !== undefined)
      setTimeout(() => {
        if (waiting.delete(entry)) resolve(false);
      }, msToNumber(timeout));
    wake();
  });
}

export function sleep(duration: Duration): Promise<void> {
  return new Promise((resolve) =>
    setTimeout(() => {
      resolve();
      wake();
    }, msToNumber(duration)),
  );
}

export function workflowInfo() {
  const f = current();
  return {
    workflowId: f.workflowId,
    runId: f.runId,
    firstExecutionRunId: f.runId,
    workflowType: f.workflowType,
    namespace: 'default',
    taskQueue: 'plain',
    attempt: 1,
    startTime: f.startTime,
    runStartTime: f.startTime,
    historyLength: 0,
    continueAsNewSuggested: false,
  };
}

export const patched = (_id: string): boolean => true;
export const deprecatePatch = (_id: string): void => undefined;
export const upsertSearchAttributes = (_attributes: unknown): void => undefined;
export const setHandler = (_def: unknown, _handler: unknown, _options?: unknown): void => undefined;

/** Nothing cancels a plain run, so every scope just runs its function. */
export const CancellationScope = {
  nonCancellable: <T>(fn: () => Promise<T>): Promise<T> => fn(),
  cancellable: <T>(fn: () => Promise<T>): Promise<T> => fn(),
};
