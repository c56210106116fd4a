/**
 * Base of every error rackshift throws on purpose. `name` is stable (it becomes the
 * Temporal ApplicationFailure `type`), `context` holds the ids an operator needs, and
 * `retryable` tells the activity boundary whether Temporal should try again.
 */
export abstract class RackshiftError extends Error {
  /**
   * A class whose every error is final (trying again cannot help: bad input, a rejected
   * credential) says so once, `static override readonly final = true`; its errors are never
   * retryable, and workflows/final-errors lists it for the retry policies.
   */
  static readonly final: boolean = false;
  abstract override readonly name: string;
  readonly retryable: boolean;
  readonly context: Readonly<Record<string, string | number | boolean | undefined>>;

  constructor(
    message: string,
    options: {
      /** Whether this one error may be retried; ignored (false) when its class is final. */
      retryable?: boolean;
      context?: Record<string, string | number | boolean | undefined>;
      cause?: unknown;
    },
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retryable = !(new.target as typeof RackshiftError).final && options.retryable !== false;
    this.context = Object.freeze({ ...(options.context ?? {}) });
  }
}

/** One rule broken by one field of an input; `path` is `sites[0].machines[3].bmc.address`. */
export interface FieldIssue {
  readonly path: string;
  readonly message: string;
}

/** Thrown when input (topology, API body, CLI argument, workflow input) breaks a rule. */
export class ValidationError extends RackshiftError {
  static override readonly final = true;
  override readonly name: string = 'ValidationError';
  readonly issues: readonly FieldIssue[];

  constructor(what: string, issues: readonly FieldIssue[]) {
    super(`${what}: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`, {
      context: { what },
    });
    this.issues = Object.freeze([...issues]);
  }
}

/** Thrown when a name given at run time (machine, persona, switch…) is not in the topology. */
export class NotFoundError extends RackshiftError {
  static override readonly final = true;
  override readonly name = 'NotFoundError';
  constructor(kind: string, id: string) {
    super(`unknown ${kind} "${id}"`, { context: { kind, id } });
  }
}

/** Thrown when a credential named by the topology cannot be resolved at call time. */
export class CredentialError extends RackshiftError {
  static override readonly final = true;
  override readonly name = 'CredentialError';
  constructor(credential: string, why: string) {
    super(`credential "${credential}": ${why}`, { context: { credential } });
  }
}

export function isRackshiftError(e: unknown): e is RackshiftError {
  return e instanceof RackshiftError;
}
