import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import {
  codecKeysOf,
  ConnectionConfigError,
  dataConverterOf,
  describeConnection,
  resolveConnectionConfig,
} from '../../temporal/connection-config';
import { AesGcmPayloadCodec } from '../../temporal/payload-codec';

const dir = mkdtempSync(join(tmpdir(), 'rackshift-conn-'));
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text, { mode: 0o600 });
  return p;
};
const ca = file('ca.pem', 'CA');
const crt = file('client.pem', 'CRT');
const key = file('client.key', 'KEY');
const apiKeyFile = file('api.key', 'sekrit-key\n');

function refusal(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ConnectionConfigError);
    return (e as Error).message;
  }
  throw new Error('accepted');
}

describe('one Temporal connection config for worker, API and CLI', () => {
  it('defaults to plain gRPC on 127.0.0.1:7233, namespace rackshift, task queue rackshift', () => {
    expect(resolveConnectionConfig({}, {})).toEqual({
      address: '127.0.0.1:7233',
      namespace: 'rackshift',
      taskQueue: 'rackshift',
      tls: false,
    });
  });

  it('takes Temporal’s own environment variables, and a flag wins over its variable', () => {
    const env = {
      TEMPORAL_ADDRESS: 'temporal.dc1:7233',
      TEMPORAL_NAMESPACE: 'rackshift-prod',
      RACKSHIFT_TASK_QUEUE: 'rs',
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: ca,
    };
    const c = resolveConnectionConfig({}, env);
    expect(c).toMatchObject({
      address: 'temporal.dc1:7233',
      namespace: 'rackshift-prod',
      taskQueue: 'rs',
      tls: { serverRootCACertificate: Buffer.from('CA') },
    });
    expect(
      resolveConnectionConfig({ temporal: '10.0.0.5:7233', namespace: 'other' }, env),
    ).toMatchObject({ address: '10.0.0.5:7233', namespace: 'other' });
  });

  it('mTLS from files, API key from a file or TEMPORAL_API_KEY (which turns TLS on); the description hides the key', () => {
    const m = resolveConnectionConfig(
      { tlsCa: ca, tlsCert: crt, tlsKey: key, tlsServerName: 'frontend.temporal' },
      {},
    );
    expect(m.tls).toEqual({
      serverRootCACertificate: Buffer.from('CA'),
      clientCertPair: { crt: Buffer.from('CRT'), key: Buffer.from('KEY') },
      serverNameOverride: 'frontend.temporal',
    });
    const k = resolveConnectionConfig({ apiKeyFile }, {});
    expect(k).toMatchObject({ apiKey: 'sekrit-key', tls: {} });
    expect(resolveConnectionConfig({}, { TEMPORAL_API_KEY: 'env-key' })).toMatchObject({
      apiKey: 'env-key',
      tls: {},
    });
    expect(resolveConnectionConfig({ tls: false }, { TEMPORAL_API_KEY: 'env-key' }).tls).toBe(
      false,
    );
    expect(describeConnection(k)).toBe(
      '127.0.0.1:7233 namespace rackshift task queue rackshift (TLS + API key)',
    );
    expect(describeConnection(m)).toContain('(mTLS)');
    expect(describeConnection(k)).not.toContain('sekrit');
  });

  it('names the flag or the variable a bad value came from', () => {
    expect(refusal(() => resolveConnectionConfig({ temporal: 'temporal' }, {}))).toBe(
      '--temporal: must be host:port, e.g. 127.0.0.1:7233, got "temporal"',
    );
    expect(refusal(() => resolveConnectionConfig({}, { TEMPORAL_ADDRESS: 'h:99999' }))).toBe(
      'TEMPORAL_ADDRESS: port must be at most 65535, got "h:99999"',
    );
    expect(refusal(() => resolveConnectionConfig({}, { TEMPORAL_NAMESPACE: 'a b' }))).toMatch(
      /^TEMPORAL_NAMESPACE: must be 1-255 letters/,
    );
    expect(refusal(() => resolveConnectionConfig({}, { TEMPORAL_TLS: 'yes' }))).toBe(
      'TEMPORAL_TLS: must be true or false, got "yes"',
    );
    expect(refusal(() => resolveConnectionConfig({ tlsCa: join(dir, 'missing.pem') }, {}))).toBe(
      `--tls-ca: cannot read ${join(dir, 'missing.pem')} (ENOENT)`,
    );
  });

  it('refuses contradictions, naming both sides', () => {
    expect(refusal(() => resolveConnectionConfig({ tlsCert: crt }, {}))).toBe(
      '--tls-cert is set but no client key: set --tls-key or TEMPORAL_TLS_CLIENT_KEY_PATH too',
    );
    expect(refusal(() => resolveConnectionConfig({}, { TEMPORAL_TLS_CLIENT_KEY_PATH: key }))).toBe(
      'TEMPORAL_TLS_CLIENT_KEY_PATH is set but no client certificate: set --tls-cert or TEMPORAL_TLS_CLIENT_CERT_PATH too',
    );
    expect(refusal(() => resolveConnectionConfig({ tls: false, tlsCa: ca }, {}))).toBe(
      '--tls/--no-tls turns TLS off, but --tls-ca is a TLS setting: drop one of them',
    );
    expect(
      refusal(() =>
        resolveConnectionConfig({}, { TEMPORAL_TLS: 'false', TEMPORAL_TLS_SERVER_NAME: 'x.y' }),
      ),
    ).toBe(
      'TEMPORAL_TLS turns TLS off, but TEMPORAL_TLS_SERVER_NAME is a TLS setting: drop one of them',
    );
    expect(refusal(() => resolveConnectionConfig({ apiKeyFile }, { TEMPORAL_API_KEY: 'k' }))).toBe(
      'both --temporal-api-key-file and TEMPORAL_API_KEY give an API key: use one',
    );
  });

  it('payload keys from --codec-key-file, RACKSHIFT_CODEC_KEY_FILE or RACKSHIFT_CODEC_KEYS; one codec for clients and workers', () => {
    const k1 = randomBytes(32).toString('base64');
    const k2 = randomBytes(32).toString('base64');
    const keys = file('codec.keys', `k1 ${k1}\nk2 ${k2}\n`);
    expect(resolveConnectionConfig({}, {}).codecKeys).toBeUndefined();
    expect(dataConverterOf(resolveConnectionConfig({}, {}))).toBeUndefined();
    const c = resolveConnectionConfig({ codecKeyFile: keys }, {});
    expect(c.codecKeys!.current).toBe('k2');
    expect(dataConverterOf(c)!.payloadCodecs![0]).toBeInstanceOf(AesGcmPayloadCodec);
    expect(describeConnection(c)).toBe(
      '127.0.0.1:7233 namespace rackshift task queue rackshift (plain gRPC + payloads encrypted with key k2)',
    );
    expect(describeConnection(c)).not.toContain(k2);
    expect(resolveConnectionConfig({}, { RACKSHIFT_CODEC_KEY_FILE: keys }).codecKeys!.current).toBe(
      'k2',
    );
    expect(
      resolveConnectionConfig({}, { RACKSHIFT_CODEC_KEYS: `a ${k1}` }).codecKeys!.current,
    ).toBe('a');
    expect(
      refusal(() =>
        resolveConnectionConfig({ codecKeyFile: keys }, { RACKSHIFT_CODEC_KEYS: `a ${k1}` }),
      ),
    ).toBe('both --codec-key-file and RACKSHIFT_CODEC_KEYS give payload keys: use one');
    expect(refusal(() => resolveConnectionConfig({}, { RACKSHIFT_CODEC_KEYS: 'a short' }))).toBe(
      'RACKSHIFT_CODEC_KEYS line 1: key a must be 32 bytes in base64 (AES-256), e.g. from `openssl rand -base64 32`; got 3 bytes',
    );
    const open = join(dir, 'open.keys');
    writeFileSync(open, `k1 ${k1}\n`, { mode: 0o644 });
    expect(refusal(() => resolveConnectionConfig({ codecKeyFile: open }, {}))).toBe(
      `--codec-key-file: ${open} has mode 644; it must be 0600 (chmod 600 ${open})`,
    );
  });

  it('rackshift dev reads the same keys: the flag before its variable, never beside inline keys', () => {
    const k1 = randomBytes(32).toString('base64');
    const flagged = file('dev-flag.keys', `flag ${k1}\n`);
    const envKeys = file('dev-env.keys', `env ${k1}\n`);
    expect(codecKeysOf(undefined, {})).toBeUndefined();
    expect(codecKeysOf(flagged, { RACKSHIFT_CODEC_KEY_FILE: envKeys })!.current).toBe('flag');
    expect(codecKeysOf(undefined, { RACKSHIFT_CODEC_KEY_FILE: envKeys })!.current).toBe('env');
    expect(
      refusal(() =>
        codecKeysOf(undefined, {
          RACKSHIFT_CODEC_KEY_FILE: envKeys,
          RACKSHIFT_CODEC_KEYS: `a ${k1}`,
        }),
      ),
    ).toBe('both RACKSHIFT_CODEC_KEY_FILE and RACKSHIFT_CODEC_KEYS give payload keys: use one');
  });
});

describe("Temporal's TOML profiles under flags and variables", () => {
  const toml = file(
    'temporal.toml',
    `[profile.default]
address = "temporal.dc1:7233"
namespace = "rackshift-prod"

[profile.prod]
address = "prod.example:7233"
namespace = "prod-ns"
api_key = "profile-key"
[profile.prod.tls]
server_ca_cert_path = "${ca}"
server_name = "frontend.prod"
[profile.prod.grpc_meta]
x-team = "infra"

[profile.mtls.tls]
client_cert_data = "CRT-DATA"
client_key_data = "KEY-DATA"

[profile.off]
address = "off.example:7233"
[profile.off.tls]
disabled = true
server_ca_cert_path = "${ca}"

[profile.bad]
address = "no-port"
`,
  );
  const env = { TEMPORAL_CONFIG_FILE: toml };

  it('reads the default profile of TEMPORAL_CONFIG_FILE; a variable beats it, a flag beats both', () => {
    const c = resolveConnectionConfig({}, env);
    expect(c).toMatchObject({
      address: 'temporal.dc1:7233',
      namespace: 'rackshift-prod',
      tls: false,
      profile: `profile "default" of ${toml}`,
    });
    expect(describeConnection(c)).toBe(
      `temporal.dc1:7233 namespace rackshift-prod task queue rackshift (plain gRPC); profile "default" of ${toml} under flags and variables`,
    );
    expect(resolveConnectionConfig({}, { ...env, TEMPORAL_ADDRESS: 'env:7233' })).toMatchObject({
      address: 'env:7233',
      namespace: 'rackshift-prod',
    });
    expect(
      resolveConnectionConfig({ temporal: 'flag:7233' }, { ...env, TEMPORAL_ADDRESS: 'env:7233' })
        .address,
    ).toBe('flag:7233');
  });

  it('a named profile: API key, CA file, server name and gRPC metadata; --temporal-profile beats TEMPORAL_PROFILE', () => {
    const c = resolveConnectionConfig({}, { ...env, TEMPORAL_PROFILE: 'prod' });
    expect(c).toMatchObject({
      address: 'prod.example:7233',
      namespace: 'prod-ns',
      apiKey: 'profile-key',
      tls: { serverRootCACertificate: Buffer.from('CA'), serverNameOverride: 'frontend.prod' },
      metadata: { 'x-team': 'infra' },
    });
    expect(describeConnection(c)).not.toContain('profile-key');
    expect(
      resolveConnectionConfig({ temporalProfile: 'default' }, { ...env, TEMPORAL_PROFILE: 'prod' })
        .address,
    ).toBe('temporal.dc1:7233');
    expect(
      resolveConnectionConfig({ temporalConfigFile: toml, temporalProfile: 'prod' }, {}).apiKey,
    ).toBe('profile-key');
    // The variable's key beats the profile's.
    expect(
      resolveConnectionConfig({}, { ...env, TEMPORAL_PROFILE: 'prod', TEMPORAL_API_KEY: 'k2' })
        .apiKey,
    ).toBe('k2');
  });

  it('inline PEM data from the profile or from *_DATA variables; the client pair from one level', () => {
    expect(
      resolveConnectionConfig({ temporalConfigFile: toml, temporalProfile: 'mtls' }, {}).tls,
    ).toEqual({ clientCertPair: { crt: Buffer.from('CRT-DATA'), key: Buffer.from('KEY-DATA') } });
    expect(
      resolveConnectionConfig(
        { temporalConfigFile: toml, temporalProfile: 'mtls', tlsCert: crt, tlsKey: key },
        {},
      ).tls,
    ).toEqual({ clientCertPair: { crt: Buffer.from('CRT'), key: Buffer.from('KEY') } });
    expect(
      resolveConnectionConfig(
        {},
        { TEMPORAL_TLS_CLIENT_CERT_DATA: 'C', TEMPORAL_TLS_CLIENT_KEY_DATA: 'K' },
      ).tls,
    ).toEqual({ clientCertPair: { crt: Buffer.from('C'), key: Buffer.from('K') } });
    expect(
      refusal(() =>
        resolveConnectionConfig(
          { temporalConfigFile: toml, temporalProfile: 'mtls', tlsCert: crt },
          {},
        ),
      ),
    ).toBe(
      '--tls-cert is set but no client key: set --tls-key or TEMPORAL_TLS_CLIENT_KEY_PATH too',
    );
    expect(
      refusal(() =>
        resolveConnectionConfig(
          {},
          { TEMPORAL_TLS_SERVER_CA_CERT_PATH: ca, TEMPORAL_TLS_SERVER_CA_CERT_DATA: 'X' },
        ),
      ),
    ).toBe(
      'both TEMPORAL_TLS_SERVER_CA_CERT_PATH and TEMPORAL_TLS_SERVER_CA_CERT_DATA are set: use one',
    );
  });

  it('TLS on and off across levels: --no-tls drops the profile TLS, a TLS flag beats its disabled', () => {
    expect(resolveConnectionConfig({ tls: false }, { ...env, TEMPORAL_PROFILE: 'prod' }).tls).toBe(
      false,
    );
    expect(
      resolveConnectionConfig({ temporalConfigFile: toml, temporalProfile: 'off' }, {}).tls,
    ).toBe(false);
    expect(
      resolveConnectionConfig(
        { temporalConfigFile: toml, temporalProfile: 'off', tlsServerName: 'x.y' },
        {},
      ).tls,
      // The profile's other TLS settings still apply: flags override it key by key.
    ).toEqual({ serverNameOverride: 'x.y', serverRootCACertificate: Buffer.from('CA') });
  });

  it('reads the default path when no file is named, and no profile when there is none', () => {
    const home = mkdtempSync(join(tmpdir(), 'rackshift-home-'));
    expect(resolveConnectionConfig({}, { HOME: home }).profile).toBeUndefined();
    mkdirSync(join(home, '.config', 'temporalio'), { recursive: true });
    writeFileSync(
      join(home, '.config', 'temporalio', 'temporal.toml'),
      '[profile.default]\nnamespace = "from-home"\n',
    );
    expect(resolveConnectionConfig({}, { HOME: home }).namespace).toBe('from-home');
    expect(
      resolveConnectionConfig({}, { HOME: '/nowhere', XDG_CONFIG_HOME: join(home, '.config') })
        .namespace,
    ).toBe('from-home');
  });

  it('names the file, the profile and the key of what is wrong', () => {
    expect(
      refusal(() => resolveConnectionConfig({}, { TEMPORAL_CONFIG_FILE: join(dir, 'no.toml') })),
    ).toBe(`TEMPORAL_CONFIG_FILE: ${join(dir, 'no.toml')} does not exist`);
    expect(refusal(() => resolveConnectionConfig({ temporalProfile: 'nope' }, env))).toBe(
      `--temporal-profile: no profile "nope" in ${toml} (it has: default, prod, mtls, off, bad)`,
    );
    expect(refusal(() => resolveConnectionConfig({}, { TEMPORAL_PROFILE: 'prod' }))).toMatch(
      /^TEMPORAL_PROFILE names profile "prod", but there is no config file/,
    );
    expect(refusal(() => resolveConnectionConfig({ temporalProfile: 'bad' }, env))).toBe(
      `profile "bad" of ${toml}: address: must be host:port, e.g. 127.0.0.1:7233, got "no-port"`,
    );
    const typo = file('typo.toml', '[profile.default]\nadress = "x:1"\n');
    expect(refusal(() => resolveConnectionConfig({ temporalConfigFile: typo }, {}))).toMatch(
      new RegExp(`^--temporal-config-file ${typo}: .*unrecognized.*adress`),
    );
    expect(
      refusal(() =>
        resolveConnectionConfig({}, { TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: 'true' }),
      ),
    ).toMatch(/^TEMPORAL_TLS_DISABLE_HOST_VERIFICATION=true: rackshift always verifies/);
  });
});
