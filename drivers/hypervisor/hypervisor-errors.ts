import { RackshiftError } from '../../common/errors';

/** Longest hypervisor text kept in an error: enough to diagnose, never a whole log. */
const MAX_DETAIL = 500;

function clip(text: string): string {
  const t = text.trim();
  return t.length > MAX_DETAIL ? `${t.slice(0, MAX_DETAIL)}…` : t;
}

/**
 * Thrown when the hypervisor host has no VM of that name (start, shutdown, destroy, info). Not
 * retryable.
 */
export class VmNotFoundError extends RackshiftError {
  static override readonly final = true;
  override readonly name = 'VmNotFoundError';
  constructor(hostId: string, vm: string) {
    super(`hypervisor ${hostId} has no VM "${vm}"`, { context: { hostId, vm } });
  }
}

/**
 * Thrown when the host answers but its hypervisor service does not (libvirtd down, host still
 * booting). Retryable.
 */
export class HypervisorUnavailableError extends RackshiftError {
  override readonly name = 'HypervisorUnavailableError';
  constructor(hostId: string, detail: string) {
    super(`hypervisor ${hostId} is not available: ${clip(detail)}`, {
      retryable: true,
      context: { hostId },
    });
  }
}

/**
 * Thrown when a hypervisor command fails for any other reason; carries the hypervisor's own
 * text. Retryable: the activity's policy bounds the attempts.
 */
export class HypervisorCommandError extends RackshiftError {
  override readonly name = 'HypervisorCommandError';
  readonly output: string;
  constructor(hostId: string, command: string, exitCode: number | null, output: string) {
    super(
      `hypervisor ${hostId}: "${command}" failed (exit ${exitCode ?? 'signal'}): ${clip(output)}`,
      {
        retryable: true,
        context: { hostId, command, exitCode: exitCode ?? undefined },
      },
    );
    this.output = clip(output);
  }
}
