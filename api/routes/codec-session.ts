import { Router, type Request, type Response } from 'express';
import { bearerAuth, permitted, principalOf } from '../auth';
import type { CodecSessions } from '../codec-sessions';
import { SIGN_IN_PAGE, SIGN_IN_PAGE_CSP, SIGN_IN_SCRIPT } from '../codec-sign-in-page';
import { sendError } from '../http-errors';
import type { TokenVerifier } from '../token-store';
import { codecHandlers, type CodecOptions } from './codec';

/** The session cookie's name; its path keeps it off every route but /codec. */
export const CODEC_COOKIE = 'rackshift-codec';
const COOKIE_PATH = '/codec';

/**
 * HttpOnly: no script reads it, the UI's neither (the browser sends it). Secure: never over plain
 * HTTP (browsers treat loopback as secure, so `rackshift dev` works). SameSite=Strict: never on a
 * request a page of another site makes; the UI and the API share a site (the same host in dev,
 * one registrable domain in production), so the UI's decode calls carry it.
 */
const cookieOptions = {
  httpOnly: true,
  secure: true,
  sameSite: 'strict',
  path: COOKIE_PATH,
} as const;

/** The session id in the request's cookie, when there is one. */
function sessionIdOf(req: Request): string | undefined {
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const [name, value] = part.trim().split('=', 2);
    if (name === CODEC_COOKIE && value !== undefined && /^[A-Za-z0-9_-]{43}$/.test(value))
      return value;
  }
  return undefined;
}

export interface CodecSessionOptions extends CodecOptions {
  readonly sessions: CodecSessions;
  readonly verifier: TokenVerifier;
  /** The Temporal UI's origins: the only pages whose decode requests a session answers. */
  readonly uiOrigins: readonly string[];
}

function expired(res: Response): void {
  res.clearCookie(CODEC_COOKIE, cookieOptions);
  sendError(
    res,
    401,
    'Unauthorized',
    'the codec session has ended (expired, signed out, or its token was revoked): sign in again at <api>/codec/session',
    [{ path: `cookies.${CODEC_COOKIE}`, message: 'no live session' }],
  );
}

/**
 * The Temporal UI's way to the codec server. The stock UI sends no rackshift token: it can only
 * pass its own OIDC access token or include cross-origin credentials (cookies). So an operator
 * signs in here with a token (`POST /codec/session`, or the page at `GET /codec/session`), gets
 * an HttpOnly cookie naming a server-side session, and the UI's `POST /codec/decode` (with
 * credentials) carries it. Decode only, and only from the UI's origin: a session never encodes
 * (that stays bearer-admin, api/routes/codec.ts), and a page of another origin — even of the
 * same site, which SameSite lets the cookie reach — is refused before anything is decrypted.
 * Mounted before bearer authentication; a request with `Authorization` goes on to the bearer
 * routes.
 */
export function codecSessionRoutes(options: CodecSessionOptions): Router {
  const router = Router();
  const { sessions, verifier } = options;

  router.get('/codec/session', (_req, res) => {
    res.set('Content-Security-Policy', SIGN_IN_PAGE_CSP).type('html').send(SIGN_IN_PAGE);
  });
  router.get('/codec/session.js', (_req, res) => {
    res.type('text/javascript').send(SIGN_IN_SCRIPT);
  });

  router.post('/codec/session', bearerAuth(verifier), (req, res) => {
    if (!permitted(res, { kind: 'decode-payloads' })) return;
    const previous = sessionIdOf(req);
    if (previous !== undefined) sessions.close(previous);
    const { name, role } = principalOf(res);
    const { id, expiresAt } = sessions.open(principalOf(res));
    res.cookie(CODEC_COOKIE, id, { ...cookieOptions, maxAge: sessions.lifetimeSeconds * 1000 });
    res.set('Cache-Control', 'no-store');
    res.status(201).json({ name, role, expiresAt: expiresAt.toISOString() });
  });

  router.delete('/codec/session', (req, res) => {
    const id = sessionIdOf(req);
    const tokenId = id === undefined ? undefined : sessions.tokenOf(id);
    const principal = tokenId === undefined ? undefined : verifier.byId(tokenId);
    if (principal !== undefined) {
      res.locals.principal = principal;
      res.locals.credential = 'codec-session';
    }
    if (id !== undefined) sessions.close(id);
    res.clearCookie(CODEC_COOKIE, cookieOptions);
    res.status(204).end();
  });

  router.post(
    '/codec/decode',
    (req, res, next) => {
      const id = sessionIdOf(req);
      if (req.get('authorization') !== undefined || id === undefined) {
        next('route');
        return;
      }
      const origin = req.get('origin');
      if (origin === undefined || !options.uiOrigins.includes(origin)) {
        sendError(
          res,
          403,
          'Forbidden',
          `a codec session decodes only for the Temporal UI (${options.uiOrigins.join(', ') || 'no --ui-url set'}), not for origin ${origin ?? '(none)'}`,
          [{ path: 'headers.origin', message: 'must be the Temporal UI origin' }],
        );
        return;
      }
      const tokenId = sessions.tokenOf(id);
      const principal = tokenId === undefined ? undefined : verifier.byId(tokenId);
      if (principal === undefined) {
        expired(res);
        return;
      }
      res.locals.principal = principal;
      res.locals.credential = 'codec-session';
      next();
    },
    ...codecHandlers('decode', options),
  );
  return router;
}
