import { createHash, randomBytes } from 'node:crypto';
import type { Principal } from './token-store';

/** How long a codec session lasts from its sign-in: a working stretch in the UI, no longer. */
export const CODEC_SESSION_SECONDS = 15 * 60;

/** Sessions one API process keeps; past it the oldest goes (each needs an operator's token). */
const MAX_SESSIONS = 1000;

interface Session {
  readonly tokenId: string;
  readonly expiresAt: number;
}

/**
 * The Temporal UI's codec sessions (api/routes/codec-session.ts), in this process's memory. The
 * browser holds a random 256-bit id; this map holds only its SHA-256 and the token id it was
 * opened with, never the token. A session names its token, not a role: each use asks the token
 * store again, so a revoked or demoted token ends every session it opened.
 */
export class CodecSessions {
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly now: () => number = Date.now,
    readonly lifetimeSeconds = CODEC_SESSION_SECONDS,
  ) {}

  /** A new session for the token; returns the id for the cookie and when it ends. */
  open(principal: Principal): { id: string; expiresAt: Date } {
    this.prune();
    if (this.sessions.size >= MAX_SESSIONS) {
      const oldest = this.sessions.keys().next().value;
      if (oldest !== undefined) this.sessions.delete(oldest);
    }
    const id = randomBytes(32).toString('base64url');
    const expiresAt = this.now() + this.lifetimeSeconds * 1000;
    this.sessions.set(digest(id), { tokenId: principal.tokenId, expiresAt });
    return { id, expiresAt: new Date(expiresAt) };
  }

  /** The token id of a live session; undefined when unknown, signed out or expired. */
  tokenOf(id: string): string | undefined {
    const key = digest(id);
    const session = this.sessions.get(key);
    if (session === undefined) return undefined;
    if (session.expiresAt <= this.now()) {
      this.sessions.delete(key);
      return undefined;
    }
    return session.tokenId;
  }

  /** Signs out; true when the session was live. */
  close(id: string): boolean {
    const live = this.tokenOf(id) !== undefined;
    this.sessions.delete(digest(id));
    return live;
  }

  private prune(): void {
    const now = this.now();
    for (const [key, s] of this.sessions) if (s.expiresAt <= now) this.sessions.delete(key);
  }
}

const digest = (id: string): string => createHash('sha256').update(id).digest('hex');
