import type { ErrorRequestHandler, Response } from 'express';
import type { FieldIssue } from '../common/errors';

/**
 * The stable codes an error answer carries in `error.code`; clients switch on these, never on
 * messages.
 */
export type ErrorCode =
  | 'ValidationError'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'Conflict'
  | 'PayloadTooLarge'
  | 'LedgerUnavailable'
  | 'InternalError';

/**
 * Every error answer of the API: `{ error: { code, message, details } }`, details naming field
 * paths.
 */
export interface ErrorBody {
  readonly error: {
    readonly code: ErrorCode;
    readonly message: string;
    readonly details: readonly FieldIssue[];
  };
}

export function sendError(
  res: Response,
  status: number,
  code: ErrorCode,
  message: string,
  details: readonly FieldIssue[] = [],
): void {
  const body: ErrorBody = { error: { code, message, details } };
  res.status(status).json(body);
}

export function badRequest(res: Response, message: string, issues: readonly FieldIssue[]): void {
  sendError(res, 400, 'ValidationError', message, issues);
}

export function notFound(
  res: Response,
  message: string,
  details: readonly FieldIssue[] = [],
): void {
  sendError(res, 404, 'NotFound', message, details);
}

export function conflict(
  res: Response,
  message: string,
  details: readonly FieldIssue[] = [],
): void {
  sendError(res, 409, 'Conflict', message, details);
}

/**
 * Errors express or the body parser raise become their own 4xx (a path that is not valid
 * percent-encoding is express's 400, a bad JSON body names the body); anything else is a 500
 * without internals.
 */
export const errorHandler: ErrorRequestHandler = (err: unknown, _req, res, _next) => {
  const e = err as { type?: string; status?: number; message?: string };
  if (e.type === 'entity.parse.failed') {
    badRequest(res, 'request body is not valid JSON', [
      { path: 'body', message: 'must be a JSON object' },
    ]);
    return;
  }
  if (e.type === 'entity.too.large') {
    sendError(res, 413, 'PayloadTooLarge', 'request body is too large', [
      { path: 'body', message: 'at most 256 KiB' },
    ]);
    return;
  }
  if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
    const decode = err instanceof URIError || /decode/i.test(e.message ?? '');
    const detail = decode
      ? 'is not valid percent-encoding (RFC 3986)'
      : (e.message ?? 'is not acceptable');
    const message = decode
      ? 'the request path cannot be decoded'
      : `bad request: ${e.message ?? ''}`;
    sendError(res, e.status, 'ValidationError', message, [
      { path: decode ? 'path' : 'request', message: detail },
    ]);
    return;
  }
  console.error(`api: ${e.message ?? String(err)}`);
  sendError(res, 500, 'InternalError', 'the request failed; see the API log');
};
