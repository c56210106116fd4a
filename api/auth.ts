import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';

const digest = (token: string): Buffer => createHash('sha256').update(token).digest();

/** A new admin token: 32 random bytes, URL-safe. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Bearer-token authentication. Tokens are compared as SHA-256 digests in constant time, so
 * neither the length nor a prefix of a valid token leaks through timing.
 */
export function bearerAuth(tokens: readonly string[]): RequestHandler {
  const valid = tokens.map(digest);
  return (req, res, next) => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer ([A-Za-z0-9._~+/=-]{16,512})$/.exec(header);
    const presented = match?.[1] === undefined ? undefined : digest(match[1]);
    if (presented === undefined || !valid.some((v) => timingSafeEqual(v, presented))) {
      res.status(401).set('WWW-Authenticate', 'Bearer realm="rackshift"').json({ error: 'Unauthorized', message: 'a valid bearer token is required (Authorization: Bearer <token>)' });
      return;
    }
    next();
  };
}
