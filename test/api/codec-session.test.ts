import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditEntry } from '../../api/audit-log';
import { CodecSessions } from '../../api/codec-sessions';
import { CODEC_COOKIE } from '../../api/routes/codec-session';
import { FileTokenStore } from '../../api/token-store';
import { parseCodecKeys } from '../../temporal/codec-keys';
import { AesGcmPayloadCodec } from '../../temporal/payload-codec';
import { NAMESPACE } from '../../worker/task-queue';
import { serveTestApi, type TestApi } from '../support/test-api';
import { startTestTemporal, type TestTemporal } from '../support/temporal-server';

/*
 * The Temporal UI's codec session (api/routes/codec-session.ts): an operator's token opens it, the
 * HttpOnly cookie decodes from the UI's origin only, never encodes, and ends on expiry, sign-out or
 * revocation. A real token store and the real AES-GCM codec; the clock of the sessions is the
 * test's, so expiry needs no waiting.
 */
jest.setTimeout(120_000);

const UI = 'http://127.0.0.1:8233';
const codec = new AesGcmPayloadCodec(
  parseCodecKeys(`k-1 ${randomBytes(32).toString('base64')}`, 'test'),
);
let temporal: TestTemporal;
let api: TestApi;
let dir: string;
let store: FileTokenStore;
let clock = Date.parse('2026-12-06T12:00:00Z');
const audit: AuditEntry[] = [];
const logged: string[] = [];
const tokens: Record<string, string> = {};
let encrypted: { payloads: unknown[] };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rackshift-codec-session-'));
  store = new FileTokenStore(join(dir, 'tokens.json'));
  for (const [name, role] of [
    ['vera', 'viewer'],
    ['dora', 'drill-operator'],
    ['otto', 'operator'],
    ['ada', 'admin'],
    ['olga', 'operator'],
  ] as const)
    tokens[name] = store.create(name, role).token;
  temporal = await startTestTemporal();
  api = await serveTestApi(temporal.client, {
    tokenStore: store.file,
    uiBaseUrl: `${UI}/namespaces`,
    payloadCodec: codec,
    codecSessions: new CodecSessions(() => clock),
    audit: (e) => void audit.push(e),
  });
  const [p] = await codec.encode([
    {
      metadata: { encoding: Buffer.from('json/plain') },
      data: Buffer.from('{"machine":"m-r1-01"}'),
    },
  ]);
  encrypted = {
    payloads: [
      {
        metadata: Object.fromEntries(
          Object.entries(p!.metadata!).map(([k, v]) => [k, Buffer.from(v!).toString('base64')]),
        ),
        data: Buffer.from(p!.data!).toString('base64'),
      },
    ],
  };
  for (const stream of [process.stdout, process.stderr])
    jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      logged.push(chunk.toString());
      return true;
    });
});

afterAll(async () => {
  jest.restoreAllMocks();
  await api?.stop();
  await temporal?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function signIn(token?: string): Promise<{ status: number; json: any; cookie?: string }> {
  const res = await fetch(`${api.url}/codec/session`, {
    method: 'POST',
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });
  const cookie = res.headers.get('set-cookie') ?? undefined;
  return { status: res.status, json: await res.json(), ...(cookie && { cookie }) };
}

/** The cookie a browser would send back: `name=value`, without the attributes. */
const sent = (setCookie: string): string => setCookie.split(';')[0]!;

async function codecCall(
  verb: 'decode' | 'encode',
  headers: Record<string, string>,
  body: unknown = encrypted,
): Promise<{ status: number; json: any; allowOrigin: string | null }> {
  const res = await fetch(`${api.url}/codec/${verb}?preserveStorageRefs=true`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-namespace': NAMESPACE, ...headers },
    body: JSON.stringify(body),
  });
  return {
    status: res.status,
    json: await res.json(),
    allowOrigin: res.headers.get('access-control-allow-origin'),
  };
}

const lastAudit = (match: (e: AuditEntry) => boolean): AuditEntry | undefined =>
  [...audit].reverse().find(match);

const plainOf = (json: any): string => Buffer.from(json.payloads[0].data, 'base64').toString();

describe('codec session for the Temporal UI', () => {
  it('opens only for an operator or admin token; the cookie is HttpOnly, Secure, Strict, /codec', async () => {
    expect((await signIn()).status).toBe(401);
    for (const who of ['vera', 'dora']) {
      const refused = await signIn(tokens[who]);
      expect(refused.status).toBe(403);
      expect(refused.json.error.message).toMatch(/may not decrypt payloads/);
      expect(refused.cookie).toBeUndefined();
    }
    for (const who of ['otto', 'ada']) {
      const ok = await signIn(tokens[who]);
      expect(ok.status).toBe(201);
      expect(ok.json).toEqual({
        name: who,
        role: who === 'ada' ? 'admin' : 'operator',
        expiresAt: new Date(clock + 15 * 60_000).toISOString(),
      });
      const attrs = ok.cookie!.split('; ');
      expect(attrs[0]).toMatch(new RegExp(`^${CODEC_COOKIE}=[A-Za-z0-9_-]{43}$`));
      expect(attrs.slice(1)).toEqual(
        expect.arrayContaining(['Max-Age=900', 'Path=/codec', 'HttpOnly', 'Secure']),
      );
      expect(attrs).toContain('SameSite=Strict');
      // The token itself is never in the cookie.
      expect(ok.cookie).not.toContain(tokens[who]!.split('.')[2]);
    }
  });

  it("decodes with the cookie from the UI's origin only", async () => {
    const cookie = sent((await signIn(tokens.otto)).cookie!);
    const ok = await codecCall('decode', { cookie, origin: UI });
    expect(ok.status).toBe(200);
    expect(plainOf(ok.json)).toBe('{"machine":"m-r1-01"}');
    expect(ok.allowOrigin).toBe(UI);
    // Another origin, even of the same site (another port of the UI's host), or none: refused
    // before anything is decrypted.
    for (const origin of ['http://evil.example', 'http://127.0.0.1:9999', 'null', undefined]) {
      const refused = await codecCall('decode', { cookie, ...(origin && { origin }) });
      expect({ origin, status: refused.status }).toEqual({ origin, status: 403 });
      expect(refused.json.error.message).toContain(`decodes only for the Temporal UI (${UI})`);
      expect(refused.json).not.toHaveProperty('payloads');
      expect(refused.allowOrigin).toBeNull();
    }
    expect(lastAudit((e) => e.path === '/codec/decode' && e.status === 200)).toMatchObject({
      actor: 'otto',
      role: 'operator',
      credential: 'codec-session',
      path: '/codec/decode',
      status: 200,
    });
  });

  it('without a live session the cookie gets 401: none, unknown, expired, signed out, revoked', async () => {
    expect((await codecCall('decode', { origin: UI })).status).toBe(401);
    const unknown = `${CODEC_COOKIE}=${randomBytes(32).toString('base64url')}`;
    const none = await codecCall('decode', { cookie: unknown, origin: UI });
    expect(none.status).toBe(401);
    expect(none.json.error.message).toMatch(/codec session has ended/);

    const expiring = sent((await signIn(tokens.otto)).cookie!);
    clock += 15 * 60_000 - 1;
    expect((await codecCall('decode', { cookie: expiring, origin: UI })).status).toBe(200);
    clock += 1;
    expect((await codecCall('decode', { cookie: expiring, origin: UI })).status).toBe(401);

    const signedOut = sent((await signIn(tokens.otto)).cookie!);
    const out = await fetch(`${api.url}/codec/session`, {
      method: 'DELETE',
      headers: { cookie: signedOut },
    });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(
      new RegExp(`^${CODEC_COOKIE}=; Path=/codec; Expires=Thu, 01 Jan 1970`),
    );
    expect((await codecCall('decode', { cookie: signedOut, origin: UI })).status).toBe(401);
    expect(lastAudit((e) => e.method === 'DELETE')).toMatchObject({
      actor: 'otto',
      credential: 'codec-session',
      status: 204,
    });

    const revoked = sent((await signIn(tokens.olga)).cookie!);
    expect((await codecCall('decode', { cookie: revoked, origin: UI })).status).toBe(200);
    expect(store.revoke('olga')).toBe(true);
    expect((await codecCall('decode', { cookie: revoked, origin: UI })).status).toBe(401);
  });

  it('never encodes with a cookie, not even an admin session; encoding stays bearer-admin', async () => {
    const cookie = sent((await signIn(tokens.ada)).cookie!);
    const decoded = await codecCall('decode', { cookie, origin: UI });
    expect(decoded.status).toBe(200);
    const refused = await codecCall('encode', { cookie, origin: UI }, decoded.json);
    expect(refused.status).toBe(401);
    expect(refused.json).not.toHaveProperty('payloads');
    const bearer = await codecCall(
      'encode',
      { authorization: `Bearer ${tokens.ada}` },
      decoded.json,
    );
    expect(bearer.status).toBe(200);
  });

  it('a second sign-in in the same browser ends the session it replaces', async () => {
    const first = sent((await signIn(tokens.otto)).cookie!);
    const res = await fetch(`${api.url}/codec/session`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.otto}`, cookie: first },
    });
    expect(res.status).toBe(201);
    expect((await codecCall('decode', { cookie: first, origin: UI })).status).toBe(401);
  });

  it('serves the sign-in page with a policy that allows no script but its own', async () => {
    const page = await fetch(`${api.url}/codec/session`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(await page.text()).toContain('<script src="session.js"></script>');
    expect((await fetch(`${api.url}/codec/session.js`)).status).toBe(200);
  });

  it('logs no token and no session id; audits who signed in, with which credential', async () => {
    const ok = await signIn(tokens.otto);
    const id = sent(ok.cookie!).split('=')[1]!;
    await codecCall('decode', { cookie: sent(ok.cookie!), origin: UI });
    expect(lastAudit((e) => e.method === 'POST' && e.path === '/codec/session')).toEqual({
      at: expect.any(String),
      event: 'api.request',
      actor: 'otto',
      tokenId: expect.stringMatching(/^[0-9a-f]{16}$/),
      role: 'operator',
      credential: 'bearer',
      method: 'POST',
      path: '/codec/session',
      runId: null,
      status: 201,
      outcome: 'ok',
      code: null,
    });
    const everything = JSON.stringify(audit) + logged.join('');
    expect(everything).not.toContain(id);
    for (const token of Object.values(tokens))
      expect(everything).not.toContain(token.split('.')[2]);
  });
});
