import { RackshiftError } from '../../common/errors';

/**
 * Thrown when the assignments file exists but is not what this store writes (hand edits, a
 * truncated disk).
 */
export class BootStoreCorruptError extends RackshiftError {
  static override readonly final = true;
  override readonly name = 'BootStoreCorruptError';
  constructor(file: string, detail: string) {
    super(`boot assignment store ${file} is unreadable: ${detail}`, {
      context: { file },
    });
  }
}

/**
 * Thrown when another process holds the store's lock for longer than a write can take. Retryable.
 */
export class BootStoreBusyError extends RackshiftError {
  override readonly name = 'BootStoreBusyError';
  constructor(file: string) {
    super(`boot assignment store ${file} is locked by another process`, {
      retryable: true,
      context: { file },
    });
  }
}
