import { RackshiftError } from './errors';

/**
 * Thrown when a program cannot be started at all (not installed, not executable). Not retryable.
 */
export class CommandStartError extends RackshiftError {
  static override readonly final = true;
  override readonly name = 'CommandStartError';
  constructor(program: string, code: string, hint?: string) {
    const why =
      code === 'ENOENT'
        ? 'not found on PATH'
        : code === 'EACCES'
          ? 'not executable'
          : `cannot be started (${code})`;
    super(`program "${program}" ${why}${hint === undefined ? '' : `: ${hint}`}`, {
      context: { program, code },
    });
  }
}

/** Thrown when a program runs longer than its time budget; the child has been killed. Retryable. */
export class CommandTimeoutError extends RackshiftError {
  override readonly name = 'CommandTimeoutError';
  constructor(program: string, timeoutMs: number) {
    super(`program "${program}" did not finish within ${timeoutMs} ms and was killed`, {
      retryable: true,
      context: { program, timeoutMs },
    });
  }
}
