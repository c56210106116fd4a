import { CommanderError } from 'commander';
import { ValidationError } from '../common/errors';
import { ApiError } from './api-client';

/**
 * The CLI's exit code says the outcome, so scripts need not parse output:
 * 0 done (a followed or shown run completed), 1 the run failed, was cancelled, terminated or
 * timed out, 2 bad usage or input, 3 the API refused (401, 403, 404, 409), 4 the API could not
 * be reached or failed (5xx).
 */
export const EXIT = { ok: 0, runFailed: 1, usage: 2, refused: 3, unavailable: 4 } as const;

/** A run's status → the exit code of a command that waited for it or showed it. */
export function exitCodeOfStatus(status: string): number {
  return status === 'COMPLETED' || status === 'RUNNING' ? EXIT.ok : EXIT.runFailed;
}

/** An error that ended a command → its exit code. */
export function exitCodeOfError(e: unknown): number {
  if (e instanceof ApiError) {
    if (e.status === 0 || e.status >= 500) return EXIT.unavailable;
    return e.status === 400 ? EXIT.usage : EXIT.refused;
  }
  // Commander has printed its message already; --help and --version end it with 0.
  if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
  if (e instanceof ValidationError) return EXIT.usage;
  return EXIT.runFailed;
}

/**
 * Ends the process for an error that ended a command: its message (unless commander printed one),
 * then its code.
 */
export function exitOnError(e: unknown): never {
  if (!(e instanceof CommanderError))
    console.error(`rackshift: ${(e as Error).message ?? String(e)}`);
  process.exit(exitCodeOfError(e));
}
