import { RackshiftError } from '../../common/errors';

interface BmcContext {
  machineId: string;
  bmcAddress: string;
}

/** Thrown when the BMC does not answer (network, timeout, dark machine). Retryable. */
export class BmcUnreachableError extends RackshiftError {
  override readonly name = 'BmcUnreachableError';
  constructor(ctx: BmcContext, detail: string, cause?: unknown) {
    super(`BMC of ${ctx.machineId} at ${ctx.bmcAddress} is unreachable: ${detail}`, {
      retryable: true,
      context: { ...ctx },
      cause,
    });
  }
}

/** Thrown when the BMC rejects the credentials. Not retryable: retrying only locks the account. */
export class BmcAuthError extends RackshiftError {
  static override readonly final = true;
  override readonly name = 'BmcAuthError';
  constructor(ctx: BmcContext, detail: string) {
    super(`BMC of ${ctx.machineId} at ${ctx.bmcAddress} rejected the credentials: ${detail}`, {
      context: { ...ctx },
    });
  }
}

/**
 * Thrown when the BMC cannot do what was asked (a reset type it does not allow, a boot device it
 * lacks).
 */
export class UnsupportedActionError extends RackshiftError {
  static override readonly final = true;
  override readonly name = 'UnsupportedActionError';
  constructor(ctx: BmcContext, action: string, detail: string) {
    super(`BMC of ${ctx.machineId} at ${ctx.bmcAddress} does not support ${action}: ${detail}`, {
      context: { ...ctx, action },
    });
  }
}

/** Thrown when the BMC answers something the driver cannot understand. Retryable once or twice. */
export class BmcProtocolError extends RackshiftError {
  override readonly name = 'BmcProtocolError';
  constructor(ctx: BmcContext, detail: string, cause?: unknown) {
    super(`BMC of ${ctx.machineId} at ${ctx.bmcAddress} answered unexpectedly: ${detail}`, {
      retryable: true,
      context: { ...ctx },
      cause,
    });
  }
}

/**
 * Thrown when the BMC's certificate is not the pinned one or does not chain to the pinned CA. Not
 * retryable.
 */
export class BmcTlsError extends RackshiftError {
  static override readonly final = true;
  override readonly name = 'BmcTlsError';
  constructor(ctx: BmcContext, detail: string, cause?: unknown) {
    super(
      `BMC of ${ctx.machineId} at ${ctx.bmcAddress} is not trusted: ${detail}; refusing to send credentials`,
      {
        context: { ...ctx },
        cause,
      },
    );
  }
}
