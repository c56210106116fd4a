import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mounts, OVERRIDES, resolve, type Service } from '../support/compose-config';
import { ROOT } from '../support/lab-fixtures';
import { requireTool } from '../support/require-tool';

const SCRIPT = join(ROOT, 'scripts', 'compose-certs.sh');
const EXTRA = 'DNS:rackshift.lab.example,IP:10.0.0.5';

function run(
  cmd: string,
  args: string[],
  env: Record<string, string> = {},
): { status: number; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, ...env } });
  return { status: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

/** The certs/ file a service mounts where the variable `v` points. */
function sourceOf(s: Service, v: string): string {
  const target = s.environment?.[v];
  const m = mounts(s).find((x) => x.target === target);
  if (!m?.source.startsWith('certs/')) throw new Error(`${v} is not a file from certs/`);
  return m.source.slice('certs/'.length);
}

describe('scripts/compose-certs.sh (trial certificates for the compose overrides)', () => {
  const openssl = requireTool('openssl');
  const parent = mkdtempSync(join(tmpdir(), 'rackshift-compose-certs-'));
  const dir = join(parent, 'certs');
  const services = resolve(Object.values(OVERRIDES), {
    RACKSHIFT_API_URL: 'https://rackshift.lab.example:8080',
    RACKSHIFT_UI_URL: 'https://rackshift.lab.example:8233',
  });
  const cert = (name: string): string => join(dir, name);
  const verify = (file: string, purpose: 'sslserver' | 'sslclient'): number =>
    run(openssl, ['verify', '-CAfile', cert('ca.pem'), '-purpose', purpose, file]).status;
  const sans = (file: string): string[] =>
    run(openssl, ['x509', '-in', file, '-noout', '-ext', 'subjectAltName'])
      .out.split('\n')
      .slice(1)
      .join(',')
      .split(',')
      .map((s) => s.trim().replace(/^IP Address:/, 'IP:'))
      .filter(Boolean);

  beforeAll(() => {
    const r = run('bash', [SCRIPT, dir], { COMPOSE_CERTS_SANS: EXTRA });
    expect(r).toMatchObject({ status: 0 });
  });
  afterAll(() => rmSync(parent, { recursive: true, force: true }));

  it('makes every certificate and key the overrides mount, and nothing else; the CA key is gone', () => {
    const mounted = new Set(
      Object.values(services).flatMap((s) =>
        mounts(s)
          .filter((m) => m.source.startsWith('certs/'))
          .map((m) => m.source.slice('certs/'.length)),
      ),
    );
    expect(readdirSync(dir).sort()).toEqual([...mounted].sort());
    expect(existsSync(cert('ca.key'))).toBe(false);
  });

  it('keys are mode 0600, certificates 0644', () => {
    for (const f of readdirSync(dir))
      expect({ f, mode: (statSync(cert(f)).mode & 0o777).toString(8) }).toEqual({
        f,
        mode: f.endsWith('.key') ? '600' : '644',
      });
  });

  it('each certificate verifies against the CA for the role its service gives it (openssl verify -purpose)', () => {
    const t = services.temporal!;
    const ui = services['temporal-ui']!;
    const api = services['rackshift-api']!;
    const roles: [string, 'sslserver' | 'sslclient'][] = [
      [sourceOf(t, 'TEMPORAL_TLS_FRONTEND_CERT'), 'sslserver'],
      [sourceOf(t, 'TEMPORAL_TLS_SERVER_CERT'), 'sslserver'],
      [sourceOf(t, 'TEMPORAL_TLS_SERVER_CERT'), 'sslclient'],
      [sourceOf(ui, 'TEMPORAL_TLS_CERT'), 'sslclient'],
      [sourceOf(ui, 'TEMPORAL_UI_SERVER_TLS_CERT'), 'sslserver'],
      ...['rackshift-setup', 'rackshift-worker-1', 'rackshift-worker-2', 'rackshift-api'].map(
        (n) =>
          [sourceOf(services[n]!, 'TEMPORAL_TLS_CLIENT_CERT_PATH'), 'sslclient'] as [
            string,
            'sslclient',
          ],
      ),
    ];
    const apiCert = mounts(api).find((m) => m.target === '/etc/rackshift/https/cert.pem')!;
    roles.push([apiCert.source.slice('certs/'.length), 'sslserver']);
    for (const [file, purpose] of roles)
      expect({ file, purpose, status: verify(cert(file), purpose) }).toEqual({
        file,
        purpose,
        status: 0,
      });
    // The check can fail: a client certificate does not serve.
    expect(verify(cert(sourceOf(ui, 'TEMPORAL_TLS_CERT')), 'sslserver')).not.toBe(0);
  });

  it('each key belongs to its certificate', () => {
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.key'))) {
      const pem = cert(f.replace(/\.key$/, '.pem'));
      const fromCert = run(openssl, ['x509', '-in', pem, '-noout', '-pubkey']).out;
      const fromKey = run(openssl, ['pkey', '-in', cert(f), '-pubout']).out;
      expect({ f, same: fromCert === fromKey && fromCert.includes('PUBLIC KEY') }).toEqual({
        f,
        same: true,
      });
    }
  });

  it('the names the services verify are on the certificates (SANs), and the browser names on the HTTPS ones', () => {
    const t = services.temporal!;
    const frontend = sans(cert(sourceOf(t, 'TEMPORAL_TLS_FRONTEND_CERT')));
    const clientsVerify = [
      t.environment!.TEMPORAL_TLS_FRONTEND_SERVER_NAME!,
      services['temporal-ui']!.environment!.TEMPORAL_TLS_SERVER_NAME!,
      ...['rackshift-setup', 'rackshift-worker-1', 'rackshift-worker-2', 'rackshift-api'].map(
        (n) => services[n]!.environment!.TEMPORAL_TLS_SERVER_NAME!,
      ),
    ];
    for (const name of clientsVerify) expect(frontend).toContain(`DNS:${name}`);
    // The host's published port 127.0.0.1:7233.
    expect(frontend).toEqual(expect.arrayContaining(['DNS:localhost', 'IP:127.0.0.1']));
    expect(sans(cert(sourceOf(t, 'TEMPORAL_TLS_SERVER_CERT')))).toContain(
      `DNS:${t.environment!.TEMPORAL_TLS_INTERNODE_SERVER_NAME}`,
    );
    for (const f of [
      sourceOf(services['temporal-ui']!, 'TEMPORAL_UI_SERVER_TLS_CERT'),
      'api-https.pem',
    ])
      expect(sans(cert(f))).toEqual(
        expect.arrayContaining([
          'DNS:localhost',
          'IP:127.0.0.1',
          'DNS:rackshift.lab.example',
          'IP:10.0.0.5',
        ]),
      );
  });

  it('refuses a folder that is not empty, and names that are not DNS:/IP:, changing nothing', () => {
    const before = readdirSync(dir).map((f) => `${f}:${statSync(cert(f)).mtimeMs}`);
    const again = run('bash', [SCRIPT, dir]);
    expect(again.status).not.toBe(0);
    expect(again.out).toContain('is not empty');
    expect(readdirSync(dir).map((f) => `${f}:${statSync(cert(f)).mtimeMs}`)).toEqual(before);
    const other = join(parent, 'other');
    const bad = run('bash', [SCRIPT, other], { COMPOSE_CERTS_SANS: 'DNS:x;touch /tmp/owned' });
    expect(bad.status).not.toBe(0);
    expect(bad.out).toContain('COMPOSE_CERTS_SANS must be DNS:<name> or IP:<address>');
    expect(existsSync(other)).toBe(false);
  });
});
