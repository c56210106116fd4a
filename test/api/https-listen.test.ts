import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import express from 'express';
import { HttpsConfigError, listen, type Listening } from '../../api/listen';
import { requireTool } from '../support/require-tool';

/*
 * `rackshift api --https-cert/--https-key`: a real HTTPS server with self-signed certificates made
 * by openssl here; a certificate replaced on disk is served to the next connection, no restart.
 */
jest.setTimeout(60_000);

let dir: string;
let served: Listening | undefined;
const lines: string[] = [];

function selfSigned(name: string): { cert: string; key: string } {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  execFileSync(
    requireTool('openssl'),
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      `/CN=${name}`,
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  );
  return { cert, key };
}

/** One request on a new connection: the fingerprint of the certificate served, and the body. */
function get(url: string, ca: Buffer): Promise<{ fingerprint: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/hello`, { ca, agent: false }, (res) => {
      const fingerprint = (res.socket as TLSSocket).getPeerCertificate().fingerprint256;
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ fingerprint, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const fingerprintOf = (file: string): string =>
  new X509Certificate(readFileSync(file)).fingerprint256;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rackshift-https-'));
});

afterAll(async () => {
  await served?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('API over HTTPS with certificate reload', () => {
  it('serves HTTPS, and a replaced certificate and key to new connections without a restart', async () => {
    const a = selfSigned('api-a');
    const b = selfSigned('api-b');
    const cert = join(dir, 'api.crt');
    const key = join(dir, 'api.key');
    writeFileSync(cert, readFileSync(a.cert));
    writeFileSync(key, readFileSync(a.key), { mode: 0o600 });
    const app = express();
    app.get('/hello', (_req, res) => {
      res.send('hello');
    });
    served = await listen(app, {
      host: '127.0.0.1',
      port: 0,
      https: { certFile: cert, keyFile: key, reloadIntervalMs: 100 },
      log: (line) => lines.push(line),
    });
    expect(served.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const caA = readFileSync(a.cert);
    const caB = readFileSync(b.cert);
    expect(await get(served.url, caA)).toEqual({
      fingerprint: fingerprintOf(a.cert),
      body: 'hello',
    });
    // A client that trusts only B refuses the server while it still serves A.
    await expect(get(served.url, caB)).rejects.toThrow(/self[- ]signed|unable to verify/i);

    // As a renewal tool does: new files renamed into place, the certificate first.
    writeFileSync(join(dir, 'next.crt'), readFileSync(b.cert));
    renameSync(join(dir, 'next.crt'), cert);
    writeFileSync(join(dir, 'next.key'), readFileSync(b.key), { mode: 0o600 });
    renameSync(join(dir, 'next.key'), key);
    let seen = '';
    for (let i = 0; i < 100 && seen !== fingerprintOf(b.cert); i += 1) {
      await new Promise((r) => setTimeout(r, 100));
      seen = (await get(served.url, caB).catch(() => ({ fingerprint: '' }))).fingerprint;
    }
    expect(seen).toBe(fingerprintOf(b.cert));
    expect(lines).toContain(`api: reloaded the HTTPS certificate from ${cert}`);
    await expect(get(served.url, caA)).rejects.toThrow(/self[- ]signed|unable to verify/i);
  });

  it('keeps serving the old certificate when the new pair does not load, and says why', async () => {
    const before = lines.length;
    const cert = join(dir, 'api.crt');
    const current = (await get(served!.url, readFileSync(cert))).fingerprint;
    writeFileSync(cert, 'not a certificate\n');
    for (let i = 0; i < 100 && !lines.slice(before).some((l) => l.includes('kept')); i += 1)
      await new Promise((r) => setTimeout(r, 100));
    expect(lines.slice(before).join('\n')).toMatch(/api: kept the previous HTTPS certificate: /);
    const ca = readFileSync(join(dir, 'api-b.crt'));
    expect((await get(served!.url, ca)).fingerprint).toBe(current);
  });

  it('refuses to start with a key that does not match the certificate, naming both flags', async () => {
    const a = selfSigned('api-c');
    const b = selfSigned('api-d');
    const app = express();
    await expect(
      listen(app, { host: '127.0.0.1', port: 0, https: { certFile: a.cert, keyFile: b.key } }),
    ).rejects.toThrow(HttpsConfigError);
    await expect(
      listen(app, { host: '127.0.0.1', port: 0, https: { certFile: a.cert, keyFile: b.key } }),
    ).rejects.toThrow(`--https-cert ${a.cert} / --https-key ${b.key}: `);
  });
});
