import { RackshiftError } from '../../common/errors';

/**
 * Thrown when a disk or volume endpoint cannot be reached, answers 5xx, or cuts a transfer short.
 * Retryable: a copy resumes from its last heartbeat.
 */
export class DiskTransferError extends RackshiftError {
  override readonly name = 'DiskTransferError';
  constructor(endpoint: string, detail: string) {
    super(`${endpoint}: ${detail}`, { retryable: true, context: { endpoint } });
  }
}

/**
 * Thrown when a chunk's bytes do not match the checksum sent with them (damaged in transit).
 * Retryable: the chunk is sent again.
 */
export class DiskChecksumError extends RackshiftError {
  override readonly name = 'DiskChecksumError';
  constructor(endpoint: string, offset: number, expected: string, actual: string) {
    super(`${endpoint}: chunk at byte ${offset} has SHA-256 ${actual}, expected ${expected}`, {
      retryable: true,
      context: { endpoint, offset },
    });
  }
}

/**
 * Thrown when a whole copied volume's SHA-256 (or size) differs from the source disk's. Not
 * retryable: the copy is wrong and is undone.
 */
export class DiskCopyMismatchError extends RackshiftError {
  static override readonly final = true;
  override readonly name = 'DiskCopyMismatchError';
  constructor(machine: string, volume: string, detail: string) {
    super(`copy of ${machine}'s disk to ${volume} is not identical: ${detail}`, {
      context: { machine, volume },
    });
  }
}

/**
 * Thrown when a disk helper or volume endpoint refuses a request (machine still on, no disk, wrong
 * size…). Not retryable.
 */
export class DiskRequestRefusedError extends RackshiftError {
  static override readonly final = true;
  override readonly name = 'DiskRequestRefusedError';
  constructor(endpoint: string, status: number, detail: string) {
    super(`${endpoint} refused the request (HTTP ${status}): ${detail}`, {
      context: { endpoint, status },
    });
  }
}
