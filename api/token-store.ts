import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { ValidationError } from '../common/errors';
import { fieldIssues } from '../common/field-path';
import { idSchema } from '../inventory/patterns';
import { roleSchema, type Role } from './roles';

/**
 * Tokens are `rs1.<id>.<secret>`: the id finds the record without trying every hash, the secret
 * (32 random bytes) is checked against a salted SHA-256. A slow hash (scrypt) guards guessable
 * passwords; a 256-bit random secret cannot be guessed, and a fast hash keeps every request cheap.
 */
const TOKEN = /^rs1\.([0-9a-f]{16})\.([A-Za-z0-9_-]{43})$/;

const tokenRecordSchema = z.strictObject({
  id: z.string().regex(/^[0-9a-f]{16}$/),
  name: idSchema,
  role: roleSchema,
  salt: z.string().regex(/^[0-9a-f]{32}$/),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  createdAt: z.string(),
});
const tokenFileSchema = z.strictObject({
  version: z.literal(1),
  tokens: z.array(tokenRecordSchema),
});

export type TokenRecord = z.infer<typeof tokenRecordSchema>;
/** What a request is made by: the token's name (audit, approvals), its id, and its role. */
export interface Principal {
  readonly tokenId: string;
  readonly name: string;
  readonly role: Role;
}

export interface TokenVerifier {
  verify(presented: string): Principal | undefined;
  /**
   * The principal of a token id as the store holds it now: a codec session (api/codec-sessions.ts)
   * checks its token at every use, so a revoked or demoted token ends it.
   */
  byId(tokenId: string): Principal | undefined;
}

const hashOf = (salt: string, secret: string): Buffer =>
  createHash('sha256').update(Buffer.from(salt, 'hex')).update(secret).digest();

/** Thrown when the token file cannot be trusted: unreadable, malformed, or readable by others. */
export class TokenStoreError extends ValidationError {
  override readonly name = 'TokenStoreError';
}

/**
 * The token store: a JSON file of salted hashes, mode 0600, in the data folder. `rackshift token`
 * writes it (temp file, then rename); the API re-reads it when its stat changes, which it checks
 * on every request (one stat, no read), so a created or revoked token counts at once.
 */
export class FileTokenStore implements TokenVerifier {
  private seen = '';
  private records: readonly TokenRecord[] = [];

  constructor(readonly file: string) {}

  /** The records as on disk now (re-read when the file changed). */
  list(): readonly TokenRecord[] {
    let st;
    try {
      st = statSync(this.file);
    } catch {
      this.seen = '';
      this.records = [];
      return this.records;
    }
    // ctime too: a chmod changes nothing else, and a store opened to others must be refused at
    // once.
    const stamp = `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
    if (stamp === this.seen) return this.records;
    if ((st.mode & 0o077) !== 0) {
      throw new TokenStoreError(`token store ${this.file}`, [
        {
          path: 'mode',
          message: `is ${(st.mode & 0o777).toString(8)}; must be 0600 (chmod 600 ${this.file})`,
        },
      ]);
    }
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(this.file, 'utf8'));
    } catch (e) {
      throw new TokenStoreError(`token store ${this.file}`, [
        { path: '(file)', message: `is not JSON: ${(e as Error).message}` },
      ]);
    }
    const parsed = tokenFileSchema.safeParse(json);
    if (!parsed.success)
      throw new TokenStoreError(`token store ${this.file}`, fieldIssues(parsed.error));
    this.records = parsed.data.tokens;
    this.seen = stamp;
    return this.records;
  }

  verify(presented: string): Principal | undefined {
    const m = TOKEN.exec(presented);
    if (m === null) return undefined;
    const record = this.list().find((r) => r.id === m[1]);
    if (record === undefined) return undefined;
    if (!timingSafeEqual(hashOf(record.salt, m[2]!), Buffer.from(record.hash, 'hex')))
      return undefined;
    return { tokenId: record.id, name: record.name, role: record.role };
  }

  byId(tokenId: string): Principal | undefined {
    const record = this.list().find((r) => r.id === tokenId);
    return record && { tokenId: record.id, name: record.name, role: record.role };
  }

  /** A new token for `name` with `role`; the secret is returned once and never stored. */
  create(name: string, role: Role): { token: string; record: TokenRecord } {
    const issues = [
      ...(idSchema.safeParse(name).success
        ? []
        : [{ path: 'name', message: 'must be an id: lower-case letters, digits and -' }]),
    ];
    if (!roleSchema.safeParse(role).success)
      issues.push({ path: 'role', message: `must be one of ${roleSchema.options.join(', ')}` });
    const records = this.list();
    if (records.some((r) => r.name === name))
      issues.push({
        path: 'name',
        message: `a token named "${name}" exists already; revoke it first`,
      });
    if (issues.length > 0) throw new ValidationError('token', issues);
    const id = randomBytes(8).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    const salt = randomBytes(16).toString('hex');
    const record: TokenRecord = {
      id,
      name,
      role,
      salt,
      hash: hashOf(salt, secret).toString('hex'),
      createdAt: new Date().toISOString(),
    };
    this.write([...records, record]);
    return { token: `rs1.${id}.${secret}`, record };
  }

  /** Removes the token of this name; false when there was none. */
  revoke(name: string): boolean {
    const records = this.list();
    const kept = records.filter((r) => r.name !== name);
    if (kept.length === records.length) return false;
    this.write(kept);
    return true;
  }

  private write(tokens: readonly TokenRecord[]): void {
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify({ version: 1, tokens }, null, 2)}\n`, { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, this.file);
  }
}

/**
 * Tokens handed over in memory (`rackshift api --token-file`, tests): each is an admin named
 * `admin` (or `admin-2`, …), compared as SHA-256 digests in constant time.
 */
export class StaticTokens implements TokenVerifier {
  private readonly entries: ReadonlyArray<{ digest: Buffer; principal: Principal }>;

  constructor(tokens: ReadonlyArray<string | { token: string; name: string; role: Role }>) {
    this.entries = tokens.map((t, i) => {
      const entry =
        typeof t === 'string'
          ? { token: t, name: i === 0 ? 'admin' : `admin-${i + 1}`, role: 'admin' as const }
          : t;
      const digest = createHash('sha256').update(entry.token).digest();
      return {
        digest,
        principal: {
          tokenId: `static-${digest.toString('hex').slice(0, 16)}`,
          name: entry.name,
          role: entry.role,
        },
      };
    });
  }

  verify(presented: string): Principal | undefined {
    const d = createHash('sha256').update(presented).digest();
    let found: Principal | undefined;
    for (const e of this.entries) if (timingSafeEqual(e.digest, d)) found = e.principal;
    return found;
  }

  byId(tokenId: string): Principal | undefined {
    return this.entries.find((e) => e.principal.tokenId === tokenId)?.principal;
  }
}

/** The first verifier that knows the token. */
export function anyOf(verifiers: readonly TokenVerifier[]): TokenVerifier {
  return {
    verify: (presented) =>
      verifiers.reduce<Principal | undefined>(
        (found, v) => found ?? v.verify(presented),
        undefined,
      ),
    byId: (tokenId) =>
      verifiers.reduce<Principal | undefined>((found, v) => found ?? v.byId(tokenId), undefined),
  };
}
