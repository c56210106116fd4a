import { RackshiftError } from '../../common/errors';
import type { SshTarget } from './ssh-transport';

type SshPhase = 'connect' | 'exec' | 'shell';

function where(target: SshTarget): Record<string, string | number> {
  return { deviceId: target.deviceId, host: target.host, port: target.port };
}

/**
 * Thrown when the device cannot be reached or the connection breaks (refused, reset, DNS,
 * handshake). Retryable.
 */
export class SshUnreachableError extends RackshiftError {
  override readonly name = 'SshUnreachableError';
  constructor(target: SshTarget, detail: string, cause?: unknown) {
    super(
      `${target.deviceId} at ${target.host}:${target.port} is unreachable over SSH: ${detail}`,
      { retryable: true, context: where(target), cause },
    );
  }
}

/**
 * Thrown when the device rejects the credentials. Not retryable: retrying only locks the account.
 */
export class SshAuthError extends RackshiftError {
  static override readonly final = true;
  override readonly name = 'SshAuthError';
  constructor(target: SshTarget, credential: string) {
    super(
      `${target.deviceId} at ${target.host}:${target.port} rejected credential "${credential}"`,
      {
        context: { ...where(target), credential },
      },
    );
  }
}

/**
 * Thrown when the device's host key does not match the fingerprint pinned in the topology. Not
 * retryable.
 */
export class HostKeyMismatchError extends RackshiftError {
  static override readonly final = true;
  override readonly name = 'HostKeyMismatchError';
  constructor(target: SshTarget, actual: string) {
    super(
      `${target.deviceId} at ${target.host}:${target.port} presented host key ${actual}, but the topology pins ${target.hostKeyFingerprint}; refusing to connect`,
      {
        context: { ...where(target), expected: target.hostKeyFingerprint, actual },
      },
    );
  }
}

/**
 * Thrown when connecting, a command, or a prompt takes longer than its timeout. Retryable: the
 * session is discarded.
 */
export class SshTimeoutError extends RackshiftError {
  override readonly name = 'SshTimeoutError';
  constructor(target: SshTarget, phase: SshPhase, timeoutMs: number) {
    super(
      `${target.deviceId} at ${target.host}:${target.port}: ${phase} timed out after ${timeoutMs} ms`,
      {
        retryable: true,
        context: { ...where(target), phase, timeoutMs },
      },
    );
  }
}
