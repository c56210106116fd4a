import { randomBytes } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import { sendError } from './http-errors';
import { allows, describeAction, rolesAllowed, type Action } from './roles';
import type { Principal, TokenVerifier } from './token-store';

/**
 * A new random secret: 32 bytes, URL-safe (static tokens of `rackshift api --token-file`, tests).
 */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * RFC 9110 §11.1: the scheme is case-insensitive (`bearer`, `BEARER`); one space, then the token.
 */
const AUTHORIZATION = /^bearer ([A-Za-z0-9._~+/=-]{16,512})$/i;

/**
 * Bearer-token authentication: the token's principal (name, id, role) goes to
 * `res.locals.principal` for authorization, audit and approvals. A token store that cannot be
 * trusted (unreadable, malformed, readable by others) refuses every request: fail closed.
 */
export function bearerAuth(verifier: TokenVerifier): RequestHandler {
  return (req, res, next) => {
    const presented = AUTHORIZATION.exec(req.get('authorization') ?? '')?.[1];
    let principal: Principal | undefined;
    try {
      principal = presented === undefined ? undefined : verifier.verify(presented);
    } catch (e) {
      console.error(`api: ${(e as Error).message}`);
      sendError(res, 500, 'InternalError', 'the token store cannot be read; see the API log');
      return;
    }
    if (principal === undefined) {
      res.set('WWW-Authenticate', 'Bearer realm="rackshift"');
      sendError(
        res,
        401,
        'Unauthorized',
        'a valid bearer token is required (Authorization: Bearer <token>)',
        [{ path: 'headers.authorization', message: 'missing, malformed, unknown or revoked' }],
      );
      return;
    }
    res.locals.principal = principal;
    next();
  };
}

/** The authenticated caller (bearerAuth ran before every route that asks). */
export function principalOf(res: Response): Principal {
  return res.locals.principal as Principal;
}

/**
 * True when the caller's role allows the action; otherwise a 403 naming the roles that may has been
 * sent.
 */
export function permitted(res: Response, action: Action): boolean {
  const { role, name } = principalOf(res);
  if (allows(role, action)) return true;
  sendError(
    res,
    403,
    'Forbidden',
    `token "${name}" (role ${role}) may not ${describeAction(action)}; roles that may: ${rolesAllowed(action).join(', ')}`,
    [{ path: 'headers.authorization', message: `role ${role} is not enough` }],
  );
  return false;
}

/** Route middleware form of {@link permitted}, for routes whose action the path alone decides. */
export function requireAction(action: Action): RequestHandler {
  return (_req, res, next) => {
    if (permitted(res, action)) next();
  };
}
