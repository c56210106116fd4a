/**
 * Base of every error rackshift throws on purpose. `name` is stable (it becomes the
 * Temporal ApplicationFailure `type`), `context` holds the ids an operator needs, and
 * `retryable` tells the activity boundary whether Temporal should try again.
 */
export abstract class RackshiftError extends Error {
  abstract override readonly name: string;
  readonly retryable: boolean;
  readonly context: Readonly<Record<string, string | number | boolean | undefined>>;

  constructor(
    message: string,
    options: {
      retryable: boolean;
      context?: Record<string, string | number | boolean | undefined>;
      cause?: unknown;
    },
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retryable = options.retryable;
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
  override readonly name: string = 'ValidationError';
  readonly issues: readonly FieldIssue[];

  constructor(what: string, issues: readonly FieldIssue[]) {
    super(`${what}: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`, {
      retryable: false,
      context: { what },
    });
    this.issues = Object.freeze([...issues]);
  }
}

/** Thrown when a name given at run time (machine, persona, switch…) is not in the topology. */
export class NotFoundError extends RackshiftError {
  override readonly name = 'NotFoundError';
  constructor(kind: string, id: string) {
    super(`unknown ${kind} "${id}"`, { retryable: false, context: { kind, id } });
  }
}

/** Thrown when a credential named by the topology cannot be resolved at call time. */
export class CredentialError extends RackshiftError {
  override readonly name = 'CredentialError';
  constructor(credential: string, why: string) {
    super(`credential "${credential}": ${why}`, { retryable: false, context: { credential } });
  }
}

export function isRackshiftError(e: unknown): e is RackshiftError {
  return e instanceof RackshiftError;
}
