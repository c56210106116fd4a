import type { ErrorRequestHandler, Response } from 'express';
import type { FieldIssue } from '../common/errors';

export function badRequest(res: Response, message: string, issues: readonly FieldIssue[]): void {
  res.status(400).json({ error: 'ValidationError', message, issues });
}

export function notFound(res: Response, message: string): void {
  res.status(404).json({ error: 'NotFound', message });
}

/** Malformed JSON bodies become 400s naming the body; anything else is a 500 without internals. */
export const errorHandler: ErrorRequestHandler = (err: unknown, _req, res, _next) => {
  const e = err as { type?: string; status?: number; message?: string };
  if (e.type === 'entity.parse.failed') {
    badRequest(res, 'request body is not valid JSON', [{ path: 'body', message: 'must be a JSON object' }]);
    return;
  }
  if (e.type === 'entity.too.large') {
    res.status(413).json({ error: 'PayloadTooLarge', message: 'request body is too large' });
    return;
  }
  console.error(`api: ${e.message ?? String(err)}`);
  res.status(500).json({ error: 'InternalError', message: 'the request failed; see the API log' });
};
