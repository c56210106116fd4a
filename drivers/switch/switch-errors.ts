import { RackshiftError } from '../../common/errors';

/**
 * Thrown when the switch answers a command with one of its vendor's error patterns or a non-zero
 * exit. Not retryable.
 */
export class CommandRejectedError extends RackshiftError {
  static override readonly final = true;
  override readonly name = 'CommandRejectedError';
  /** What the switch printed, trimmed to a readable length. */
  readonly switchText: string;
  constructor(switchId: string, command: string, switchText: string) {
    const text = switchText.trim().slice(0, 2_000);
    super(`switch ${switchId} rejected "${command}": ${text}`, {
      context: { switchId, command, switchText: text },
    });
    this.switchText = text;
  }
}

/**
 * Thrown when a port read back after a change does not carry what was configured. Retryable: a
 * re-run re-applies it.
 */
export class VerificationMismatchError extends RackshiftError {
  override readonly name = 'VerificationMismatchError';
  constructor(switchId: string, port: string, expected: string, actual: string) {
    super(
      `switch ${switchId} port ${port}: expected ${expected} after the change, read back ${actual}`,
      {
        retryable: true,
        context: { switchId, port, expected, actual },
      },
    );
  }
}

/** Thrown when the switch's answer to a show command cannot be understood. Retryable. */
export class UnexpectedOutputError extends RackshiftError {
  override readonly name = 'UnexpectedOutputError';
  constructor(switchId: string, what: string, output: string) {
    super(`switch ${switchId}: cannot read ${what} from: ${output.trim().slice(0, 500)}`, {
      retryable: true,
      context: { switchId, what },
    });
  }
}

/**
 * Thrown for work queued on a switch driver that has been closed. Retryable: a new driver takes it.
 */
export class SwitchDriverClosedError extends RackshiftError {
  override readonly name = 'SwitchDriverClosedError';
  constructor(switchId: string) {
    super(`switch driver for ${switchId} is closed`, { retryable: true, context: { switchId } });
  }
}

/**
 * Thrown by switch activities on a worker that was built without a switch driver factory. Not
 * retryable.
 */
export class SwitchNotConfiguredError extends RackshiftError {
  static override readonly final = true;
  override readonly name = 'SwitchNotConfiguredError';
  constructor(switchId: string) {
    super(`this worker has no switch driver configured, so it cannot reach switch ${switchId}`, {
      context: { switchId },
    });
  }
}

/**
 * Thrown when a switch refuses the privilege its configuration needs: `enable` with a wrong
 * secret (IOS, EOS), or `sudo` that wants a password (SONiC). Not retryable: the credential
 * or the switch's account must change.
 */
export class PrivilegeRefusedError extends RackshiftError {
  static override readonly final = true;
  override readonly name = 'PrivilegeRefusedError';
  constructor(switchId: string, how: string, switchText: string, advice = '') {
    const text = switchText.trim().slice(0, 500) || 'it asked for the secret again';
    super(`switch ${switchId} refused ${how}: ${text}${advice === '' ? '' : ` (${advice})`}`, {
      context: { switchId },
    });
  }
}

/**
 * Thrown when another user held the switch's configuration (a Junos lock) for longer than the
 * driver waits. Retryable later.
 */
export class ConfigurationBusyError extends RackshiftError {
  override readonly name = 'ConfigurationBusyError';
  constructor(switchId: string, switchText: string, waitedMs: number) {
    const text = switchText.trim().slice(0, 1_000);
    super(
      `switch ${switchId}: the configuration stayed held by another user for ${Math.round(waitedMs / 1000)} s: ${text}`,
      {
        retryable: true,
        context: { switchId, waitedMs },
      },
    );
  }
}
