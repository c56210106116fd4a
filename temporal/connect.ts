import { InterceptingCall, type Interceptor, Metadata, status as GrpcStatus } from '@grpc/grpc-js';
import {
  Connection,
  type ConnectionOptions,
  defaultGrpcRetryOptions,
  makeGrpcRetryInterceptor,
} from '@temporalio/client';

type InterceptingCallInterface = ConstructorParameters<typeof InterceptingCall>[0];

/** grpc-js's words when a call is made on a channel that `close()` has shut down. */
const CHANNEL_SHUT_DOWN = 'Channel has been shut down';
export const CONNECTION_CLOSED_DETAILS =
  'rackshift: the Temporal connection was closed while this call waited to be retried';

/**
 * A call that ends at once with CANCELLED, for a retry that comes due after the connection closed.
 * Its caller sees a rejected promise instead of an exception thrown from a bare timer.
 */
function callEndedByClose(): InterceptingCallInterface {
  return {
    start(_metadata, listener) {
      setImmediate(() =>
        listener?.onReceiveStatus?.({
          code: GrpcStatus.CANCELLED,
          details: CONNECTION_CLOSED_DETAILS,
          metadata: new Metadata(),
        }),
      );
    },
    cancelWithStatus() {},
    getPeer: () => 'closed',
    sendMessageWithContext() {},
    sendMessage() {},
    startRead() {},
    halfClose() {},
    getAuthContext: () => null,
  };
}

/**
 * Sits below Temporal's retry interceptor. Temporal's retry waits on a timer and then opens a new
 * call; when the connection was closed in between (a process shutting down while a query or
 * long poll was being retried), grpc-js throws from that timer and nothing can catch it. Here the
 * retried call ends CANCELLED instead, which is not retryable, so the original promise rejects.
 */
const closedChannelGuard: Interceptor = (options, nextCall) => {
  try {
    return new InterceptingCall(nextCall(options));
  } catch (error) {
    if (error instanceof Error && error.message === CHANNEL_SHUT_DOWN)
      return new InterceptingCall(callEndedByClose());
    throw error;
  }
};

/** Every rackshift gRPC connection to Temporal: the default retries, guarded against close. */
export function temporalConnectionOptions(
  options: Omit<ConnectionOptions, 'interceptors'>,
): ConnectionOptions {
  return {
    ...options,
    interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions()), closedChannelGuard],
  };
}

export function connectTemporal(
  options: Omit<ConnectionOptions, 'interceptors'>,
): Promise<Connection> {
  return Connection.connect(temporalConnectionOptions(options));
}

export interface RetryOptions {
  /** Give up after this long (ms) without an answer. */
  readonly waitMs: number;
  /** One line per failed attempt, saying when the next one comes. */
  readonly log: (line: string) => void;
  readonly what: string;
}

/**
 * Calls `attempt` until it succeeds, waiting 0.5 s, 1 s, 2 s … (at most 10 s) between tries,
 * for at most `waitMs`: a worker or API started before Temporal waits for it instead of dying.
 */
export async function withBackoff<T>(attempt: () => Promise<T>, options: RetryOptions): Promise<T> {
  const deadline = Date.now() + options.waitMs;
  let delay = 500;
  for (let n = 1; ; n += 1) {
    try {
      return await attempt();
    } catch (e) {
      const left = deadline - Date.now();
      const reason = (e as Error).message.split('\n')[0];
      if (left <= 0)
        throw new Error(
          `${options.what}: no answer after ${n} attempt(s) in ${Math.round(options.waitMs / 1000)} s: ${reason}`,
          { cause: e },
        );
      const wait = Math.min(delay, left);
      options.log(
        `${options.what}: attempt ${n} failed (${reason}); retrying in ${(wait / 1000).toFixed(1)} s`,
      );
      await new Promise((r) => setTimeout(r, wait));
      delay = Math.min(delay * 2, 10_000);
    }
  }
}

/**
 * Connects and asks the server for its system info, retrying with backoff until it answers.
 * Each attempt is bounded (twice the connect timeout): a peer that accepts TCP but never speaks
 * HTTP/2 would otherwise hold the first attempt forever.
 */
export function connectTemporalWithRetry(
  options: Omit<ConnectionOptions, 'interceptors'>,
  retry: RetryOptions,
): Promise<Connection> {
  const connectTimeoutMs =
    typeof options.connectTimeout === 'number' ? options.connectTimeout : 5000;
  return withBackoff(async () => {
    let timer: NodeJS.Timeout | undefined;
    let gaveUp = false;
    const attempt = (async () => {
      const connection = await connectTemporal({ ...options, connectTimeout: connectTimeoutMs });
      try {
        await connection.workflowService.getSystemInfo({});
      } catch (e) {
        await connection.close();
        throw e;
      }
      // Answered after this attempt was abandoned: nobody will use this connection.
      if (gaveUp) await connection.close();
      return connection;
    })();
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        gaveUp = true;
        reject(new Error(`no answer within ${(2 * connectTimeoutMs) / 1000} s`));
      }, 2 * connectTimeoutMs);
    });
    attempt.catch(() => undefined);
    try {
      return await Promise.race([attempt, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }, retry);
}
