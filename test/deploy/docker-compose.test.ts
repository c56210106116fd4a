import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  codecGaps,
  codecUsers,
  inlineSecrets,
  keyMounts,
  mounts,
  mtlsGaps,
  OVERRIDES,
  type Override,
  refusal,
  resolve,
  type Services,
  temporalClients,
} from '../support/compose-config';
import { ROOT } from '../support/lab-fixtures';

const serverVersion = /TEMPORAL_SERVER_VERSION=v(\S+)/.exec(
  readFileSync(join(ROOT, 'scripts', 'temporal-cluster-setup.sh'), 'utf8'),
)![1]!;

/** The browser-facing addresses the codec and HTTPS overrides require. */
const URLS = {
  RACKSHIFT_API_URL: 'https://rackshift.lab.example:8080',
  RACKSHIFT_UI_URL: 'https://rackshift.lab.example:8233',
};

/** Every combination of the overrides, the empty one included. */
const COMBINATIONS: Override[][] = [
  [],
  ['mtls'],
  ['codec'],
  ['https'],
  ['mtls', 'codec'],
  ['mtls', 'https'],
  ['codec', 'https'],
  ['mtls', 'codec', 'https'],
];
const files = (c: Override[]): string[] => c.map((o) => OVERRIDES[o]);

/** A copy of an override with `edit` applied, in a temp folder (for the checks' own failure). */
function withEdited(override: Override, edit: (text: string) => string): string {
  const text = readFileSync(join(ROOT, OVERRIDES[override]), 'utf8');
  const edited = edit(text);
  expect(edited).not.toBe(text);
  const file = join(mkdtempSync(join(tmpdir(), 'rackshift-compose-')), OVERRIDES[override]);
  writeFileSync(file, edited);
  return file;
}

describe('docker-compose.yml', () => {
  const services = resolve();

  it('is accepted by docker-compose config, with every part the tests prove', () => {
    expect(Object.keys(services).sort()).toEqual(
      [
        'postgresql',
        'rackshift-api',
        'rackshift-setup',
        'rackshift-worker-1',
        'rackshift-worker-2',
        'temporal',
        'temporal-schema',
        'temporal-ui',
      ].sort(),
    );
  });

  it('pins the Temporal images to the server version the cluster tests run', () => {
    expect(services.temporal!.image).toBe(`temporalio/server:${serverVersion}`);
    expect(services['temporal-schema']!.image).toBe(`temporalio/admin-tools:${serverVersion}`);
    for (const [name, s] of Object.entries(services))
      if (s.image)
        expect({ name, image: s.image }).toEqual({
          name,
          image: expect.stringMatching(/:[0-9][\w.-]*$|^rackshift:local$/),
        });
  });

  it('nothing fails quietly: no `|| true`; jobs run once; the rest restart and start in order on health', () => {
    const text = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
    expect(text).not.toContain('|| true');
    expect(services['rackshift-setup']!.command).toEqual([
      'admin',
      'setup',
      '--retention-days',
      '30',
    ]);
    for (const job of ['temporal-schema', 'rackshift-setup'])
      expect(services[job]!.restart).toBe('no');
    for (const name of [
      'postgresql',
      'temporal',
      'temporal-ui',
      'rackshift-worker-1',
      'rackshift-worker-2',
      'rackshift-api',
    ])
      expect({ name, restart: services[name]!.restart }).toEqual({
        name,
        restart: 'unless-stopped',
      });
    for (const name of ['postgresql', 'temporal', 'rackshift-api'])
      expect(services[name]!.healthcheck).toBeDefined();
    expect(services.temporal!.depends_on).toEqual({
      'temporal-schema': { condition: 'service_completed_successfully' },
    });
    expect(services['rackshift-setup']!.depends_on).toEqual({
      temporal: { condition: 'service_healthy' },
    });
    for (const name of ['rackshift-worker-1', 'rackshift-worker-2', 'rackshift-api'])
      expect(services[name]!.depends_on).toEqual({
        'rackshift-setup': { condition: 'service_completed_successfully' },
      });
  });

  it('two worker replicas with distinct host names (their identities), the API with --boot-allow and --ui-url, one namespace', () => {
    expect(services['rackshift-worker-1']!.hostname).not.toBe(
      services['rackshift-worker-2']!.hostname,
    );
    const api = services['rackshift-api']!.command as string[];
    expect(api).toEqual(expect.arrayContaining(['--boot-allow', '--ui-url']));
    for (const name of [
      'rackshift-setup',
      'rackshift-worker-1',
      'rackshift-worker-2',
      'rackshift-api',
    ])
      expect(services[name]!.environment).toMatchObject({
        TEMPORAL_ADDRESS: 'temporal:7233',
        TEMPORAL_NAMESPACE: 'rackshift',
      });
  });

  it('the Temporal clients are the UI and every rackshift service (what the mTLS check covers)', () => {
    expect(temporalClients(services)).toEqual([
      'rackshift-api',
      'rackshift-setup',
      'rackshift-worker-1',
      'rackshift-worker-2',
      'temporal-ui',
    ]);
    expect(codecUsers(services)).toEqual([
      'rackshift-api',
      'rackshift-worker-1',
      'rackshift-worker-2',
    ]);
    // Plain: the checks below see what is missing.
    expect(mtlsGaps(services)).toEqual(
      expect.arrayContaining(['rackshift-api: no TEMPORAL_TLS_CLIENT_KEY_PATH']),
    );
  });
});

/** The base file with the same variables: what each combination adds to. */
let plain: Services;
beforeAll(() => {
  plain = resolve([], URLS);
});

describe.each(COMBINATIONS.map((c) => [c.join(' + ') || 'plain', c] as const))(
  'docker-compose.yml with %s',
  (_label, combination) => {
    let services: Services;
    beforeAll(() => {
      services = resolve(files(combination), URLS);
    });

    it('is accepted, with the same services', () => {
      expect(Object.keys(services).sort()).toEqual(Object.keys(plain).sort());
    });

    it('no secret value inline (environment, command, PEM blocks); every key file mounted read-only by its own services only', () => {
      expect(inlineSecrets(services)).toEqual([]);
      for (const f of ['docker-compose.yml', ...files(combination)])
        expect(readFileSync(join(ROOT, f), 'utf8')).not.toMatch(/-----BEGIN|RACKSHIFT_CODEC_KEYS/);
      const clients = [
        'rackshift-api',
        'rackshift-setup',
        'rackshift-worker-1',
        'rackshift-worker-2',
      ];
      expect(keyMounts(services)).toEqual({
        ...(combination.includes('mtls') && {
          'certs/frontend.key': ['temporal'],
          'certs/internode.key': ['temporal'],
          'certs/ui.key': ['temporal-ui'],
          'certs/rackshift.key': clients,
        }),
        ...(combination.includes('codec') && {
          'codec.keys': ['rackshift-api', 'rackshift-worker-1', 'rackshift-worker-2'],
        }),
        ...(combination.includes('https') && {
          'certs/api-https.key': ['rackshift-api'],
          'certs/ui-https.key': ['temporal-ui'],
        }),
      });
      for (const [name, s] of Object.entries(services))
        for (const m of mounts(s))
          if (m.source.startsWith('certs/'))
            expect({ name, ...m }).toEqual({ name, ...m, readOnly: true });
    });

    it(
      combination.includes('mtls')
        ? 'mTLS: the server requires client certificates; every Temporal client presents one and checks the name'
        : 'no mTLS settings anywhere',
      () => {
        if (combination.includes('mtls')) expect(mtlsGaps(services)).toEqual([]);
        else
          for (const s of Object.values(services))
            expect(
              Object.keys(s.environment ?? {}).filter((v) => v.startsWith('TEMPORAL_TLS')),
            ).toEqual([]);
      },
    );

    it(
      combination.includes('codec')
        ? 'codec: workers and API have the keys file; the UI calls <api>/codec with credentials'
        : 'no codec settings anywhere',
      () => {
        if (combination.includes('codec'))
          expect(codecGaps(services, URLS.RACKSHIFT_API_URL)).toEqual([]);
        else
          for (const s of Object.values(services))
            expect(Object.keys(s.environment ?? {}).filter((v) => /CODEC/.test(v))).toEqual([]);
      },
    );

    it(
      combination.includes('https')
        ? 'HTTPS: the API serves its certificate (the base command otherwise unchanged), the UI too, health checked over https'
        : 'the API and the UI serve plain HTTP on 127.0.0.1',
      () => {
        const api = services['rackshift-api']!;
        const ui = services['temporal-ui']!;
        const base = plain['rackshift-api']!;
        if (!combination.includes('https')) {
          expect(api.command).toEqual(base.command);
          expect(ui.environment?.TEMPORAL_UI_SERVER_TLS_CERT).toBeUndefined();
          return;
        }
        expect(api.command).toEqual([
          ...(base.command as string[]),
          '--https-cert',
          '/etc/rackshift/https/cert.pem',
          '--https-key',
          '/etc/rackshift/https/key.pem',
        ]);
        const ro = (s: typeof api): string[] =>
          mounts(s)
            .filter((m) => m.readOnly)
            .map((m) => m.target);
        expect(ro(api)).toEqual(
          expect.arrayContaining(['/etc/rackshift/https/cert.pem', '/etc/rackshift/https/key.pem']),
        );
        expect(ro(ui)).toEqual(
          expect.arrayContaining([
            ui.environment!.TEMPORAL_UI_SERVER_TLS_CERT,
            ui.environment!.TEMPORAL_UI_SERVER_TLS_KEY,
          ]),
        );
        expect(JSON.stringify(api.healthcheck?.test)).toContain('https://127.0.0.1:8080/healthz');
      },
    );
  },
);

describe('the overrides refuse to guess the browser-facing addresses', () => {
  it('codec without RACKSHIFT_API_URL, https without RACKSHIFT_UI_URL: docker-compose config fails naming it', () => {
    expect(refusal(files(['codec']), {})).toMatch(/RACKSHIFT_API_URL/);
    expect(refusal(files(['https']), {})).toMatch(/RACKSHIFT_UI_URL/);
    expect(refusal(files(['mtls']), {})).toBeUndefined();
  });
});

describe('the checks fail when a service is left out', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const edited = (o: Override, edit: (t: string) => string): string => {
    const f = withEdited(o, edit);
    dirs.push(join(f, '..'));
    return f;
  };

  it('a worker without its TLS settings is named', () => {
    const f = edited('mtls', (t) => t.replace(/^ {2}rackshift-worker-2: \*rackshift-tls\n/m, ''));
    const gaps = mtlsGaps(resolve([f]));
    expect(gaps.length).toBeGreaterThan(0);
    expect(gaps.every((g) => g.startsWith('rackshift-worker-2: '))).toBe(true);
  });

  it("the UI without host verification is named (it would not check the server's certificate)", () => {
    const f = edited('mtls', (t) =>
      t.replace(/^ {6}TEMPORAL_TLS_ENABLE_HOST_VERIFICATION: 'true'\n/m, ''),
    );
    expect(mtlsGaps(resolve([f]))).toEqual([
      'temporal-ui: TEMPORAL_TLS_ENABLE_HOST_VERIFICATION is unset, wants true',
    ]);
  });

  it('a key mounted read-write is named', () => {
    const f = edited('mtls', (t) =>
      t.replace(
        './certs/frontend.key:/etc/temporal/tls/frontend.key:ro',
        './certs/frontend.key:/etc/temporal/tls/frontend.key',
      ),
    );
    expect(mtlsGaps(resolve([f]))).toEqual([
      'temporal: TEMPORAL_TLS_FRONTEND_KEY=/etc/temporal/tls/frontend.key is not a read-only mount',
    ]);
  });

  it('a worker without the codec keys is named', () => {
    const f = edited('codec', (t) =>
      t.replace(/^ {2}rackshift-worker-1: \*rackshift-codec\n/m, ''),
    );
    expect(codecGaps(resolve([f], URLS), URLS.RACKSHIFT_API_URL)).toEqual([
      'rackshift-worker-1: no RACKSHIFT_CODEC_KEY_FILE',
    ]);
  });

  it('inline keys and a PEM in the environment are named', () => {
    const f = edited('codec', (t) =>
      t.replace(
        '    RACKSHIFT_CODEC_KEY_FILE: /run/secrets/rackshift-codec-keys\n',
        '    RACKSHIFT_CODEC_KEYS: k1 AAAA\n    TEMPORAL_TLS_CLIENT_KEY_DATA: "-----BEGIN PRIVATE KEY-----"\n',
      ),
    );
    expect(inlineSecrets(resolve([f], URLS))).toEqual(
      expect.arrayContaining([
        'rackshift-api: RACKSHIFT_CODEC_KEYS in the environment',
        'rackshift-api: TEMPORAL_TLS_CLIENT_KEY_DATA in the environment',
        'rackshift-api: a PEM block inline',
      ]),
    );
  });
});
