import type { Payload, PayloadCodec } from '@temporalio/common';
import express, { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { RackshiftError } from '../../common/errors';
import { fieldIssues } from '../../common/field-path';
import { permitted } from '../auth';
import { sendError } from '../http-errors';

/**
 * Temporal's codec server protocol: `{payloads: [...]}` in proto3 JSON, so every bytes field (each
 * metadata value and the data) is base64.
 */
const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64');
const bodySchema = z.object({
  payloads: z
    .array(
      z.object({
        metadata: z.record(z.string(), base64).optional(),
        data: base64.optional(),
      }),
    )
    .max(10_000, 'at most 10000 payloads'),
});

const HEADERS = 'Authorization, Content-Type, X-Namespace';

/**
 * CORS for the Temporal UI, which calls the codec server from the browser: its origin (and only
 * its) may send a token, its codec session cookie (api/routes/codec-session.ts) and X-Namespace.
 * Before authentication, since a browser's preflight carries no credentials.
 */
export function codecCors(origins: readonly string[]): RequestHandler {
  return (req, res, next) => {
    const origin = req.get('origin');
    res.vary('Origin');
    if (origin !== undefined && origins.includes(origin)) {
      res.set('Access-Control-Allow-Origin', origin);
      res.set('Access-Control-Allow-Credentials', 'true');
    }
    if (req.method !== 'OPTIONS') {
      next();
      return;
    }
    if (origin !== undefined && origins.includes(origin))
      res.set({
        'Access-Control-Allow-Methods': 'POST',
        'Access-Control-Allow-Headers': HEADERS,
        'Access-Control-Max-Age': '600',
      });
    res.status(204).end();
  };
}

const toWire = (p: Payload): { metadata: Record<string, string>; data: string } => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? []).toString('base64')]),
  ),
  data: Buffer.from(p.data ?? []).toString('base64'),
});

export interface CodecOptions {
  readonly codec: PayloadCodec;
  readonly namespace: string;
}

/**
 * One codec verb for the caller in `res.locals.principal` (a bearer token's, or a codec session's:
 * api/routes/codec-session.ts): the role check, X-Namespace, the body, the codec.
 */
export function codecHandlers(verb: 'decode' | 'encode', options: CodecOptions): RequestHandler[] {
  // A history page holds many payloads of up to 2 MB each (Temporal's blob limit).
  const json = express.json({ limit: '8mb' });
  const handler: RequestHandler = async (req, res, next) => {
    if (!permitted(res, { kind: verb === 'decode' ? 'decode-payloads' : 'encode-payloads' }))
      return;
    const ns = req.get('x-namespace');
    if (ns !== undefined && ns !== options.namespace) {
      sendError(res, 400, 'ValidationError', `this codec server serves ${options.namespace}`, [
        { path: 'headers.x-namespace', message: `must be ${options.namespace}, got "${ns}"` },
      ]);
      return;
    }
    const body = bodySchema.safeParse(req.body);
    if (!body.success) {
      sendError(
        res,
        400,
        'ValidationError',
        'body must be { "payloads": [ … ] }',
        fieldIssues(body.error, ['body']),
      );
      return;
    }
    const payloads: Payload[] = body.data.payloads.map((p) => ({
      metadata: Object.fromEntries(
        Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]),
      ),
      data: Buffer.from(p.data ?? '', 'base64'),
    }));
    try {
      const out = await options.codec[verb](payloads);
      res.json({ payloads: out.map(toWire) });
    } catch (e) {
      if (!(e instanceof RackshiftError)) {
        next(e);
        return;
      }
      sendError(res, 400, 'ValidationError', e.message, [
        { path: 'body.payloads', message: e.name },
      ]);
    }
  };
  return [json, handler];
}

/**
 * POST /codec/decode and /codec/encode with a bearer token: the Temporal CLI's codec endpoint is
 * `<api>/codec`. Decoding needs an operator token, encoding an admin's (api/roles.ts). Only the
 * API's own namespace: X-Namespace, when sent, must name it.
 */
export function codecRoutes(options: CodecOptions): Router {
  const router = Router();
  for (const verb of ['decode', 'encode'] as const)
    router.post(`/codec/${verb}`, ...codecHandlers(verb, options));
  return router;
}
