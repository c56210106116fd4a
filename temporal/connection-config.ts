import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { DataConverter } from '@temporalio/common';
import type { ConfigDataSource } from '@temporalio/envconfig';
import { RackshiftError } from '../common/errors';
import { CodecKeyError, parseCodecKeys, readCodecKeyFile, type CodecKeyRing } from './codec-keys';
import { AesGcmPayloadCodec } from './payload-codec';
import {
  loadTemporalProfile,
  TemporalProfileError,
  type TemporalProfile,
} from './temporal-profile';
import { NAMESPACE, TASK_QUEUE } from '../worker/task-queue';

/** A connection option the user got wrong; the message names the flag or variable. */
export class ConnectionConfigError extends RackshiftError {
  override readonly name = 'ConnectionConfigError';
  constructor(message: string) {
    super(message, { retryable: false });
  }
}

/** The raw values, as commander parses the connection flags (see cli/temporal-options.ts). */
export interface ConnectionFlags {
  readonly temporal?: string;
  readonly namespace?: string;
  readonly taskQueue?: string;
  /** true: --tls; false: --no-tls; undefined: neither. */
  readonly tls?: boolean;
  readonly tlsCa?: string;
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  readonly tlsServerName?: string;
  /**
   * A file holding the API key (never the key itself on the command line: argv is visible to every
   * user).
   */
  readonly apiKeyFile?: string;
  /** The payload keys' file (mode 0600): set (or its variable), payloads are encrypted. */
  readonly codecKeyFile?: string;
  /** Temporal's TOML client config file and the profile in it (temporal/temporal-profile.ts). */
  readonly temporalConfigFile?: string;
  readonly temporalProfile?: string;
}

/** A setting and where it came from (flag, variable or profile), for errors. */
interface Picked {
  readonly value: string;
  readonly source: string;
  /** The value is PEM data itself, not a path (a *_DATA variable or profile key). */
  readonly inline?: boolean;
  readonly fromProfile?: boolean;
}

/**
 * The variables, with the names Temporal's own environment configuration uses
 * (docs.temporal.io/references/client-environment-configuration), so one environment serves
 * the `temporal` CLI and rackshift. The task queue is rackshift's own.
 */
export const ENV = {
  temporal: 'TEMPORAL_ADDRESS',
  namespace: 'TEMPORAL_NAMESPACE',
  taskQueue: 'RACKSHIFT_TASK_QUEUE',
  tls: 'TEMPORAL_TLS',
  tlsCa: 'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
  tlsCert: 'TEMPORAL_TLS_CLIENT_CERT_PATH',
  tlsKey: 'TEMPORAL_TLS_CLIENT_KEY_PATH',
  tlsServerName: 'TEMPORAL_TLS_SERVER_NAME',
  apiKey: 'TEMPORAL_API_KEY',
  codecKeyFile: 'RACKSHIFT_CODEC_KEY_FILE',
  /** The keys themselves, for platforms that hand secrets over in the environment. */
  codecKeys: 'RACKSHIFT_CODEC_KEYS',
} as const;

const FLAG = {
  temporal: '--temporal',
  namespace: '--namespace',
  taskQueue: '--task-queue',
  tls: '--tls/--no-tls',
  tlsCa: '--tls-ca',
  tlsCert: '--tls-cert',
  tlsKey: '--tls-key',
  tlsServerName: '--tls-server-name',
  apiKey: '--temporal-api-key-file',
  codecKeyFile: '--codec-key-file',
} as const;

const rules = {
  temporal: z
    .string()
    .regex(
      /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):([1-9]\d{0,4})$/,
      'must be host:port, e.g. 127.0.0.1:7233',
    )
    .refine((a) => Number(a.slice(a.lastIndexOf(':') + 1)) <= 65535, 'port must be at most 65535'),
  // Temporal's namespace rule: letters, digits, '.', '-', '_'; at most 255 characters.
  namespace: z
    .string()
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/,
      "must be 1-255 letters, digits, '.', '-' or '_', starting with a letter or digit",
    ),
  taskQueue: z
    .string()
    .min(1, 'must not be empty')
    .max(1000, 'must be at most 1000 characters')
    .regex(/^\S+$/, 'must not contain spaces'),
  tls: z.enum(['true', 'false'], { error: 'must be true or false' }),
  tlsServerName: z.string().regex(/^[A-Za-z0-9.-]{1,253}$/, 'must be a DNS name'),
};

export interface TlsSettings {
  readonly serverRootCACertificate?: Buffer;
  readonly clientCertPair?: { readonly crt: Buffer; readonly key: Buffer };
  readonly serverNameOverride?: string;
}

export interface TemporalConnectionConfig {
  readonly address: string;
  readonly namespace: string;
  readonly taskQueue: string;
  /**
   * false: plain gRPC; otherwise TLS with these settings (an empty object: system CAs, no client
   * certificate).
   */
  readonly tls: false | TlsSettings;
  readonly apiKey?: string;
  /** Set: payloads are encrypted (AES-256-GCM) with the current key (temporal/payload-codec). */
  readonly codecKeys?: CodecKeyRing;
  /** gRPC metadata from the profile's `grpc_meta`. */
  readonly metadata?: Readonly<Record<string, string>>;
  /** The Temporal profile the settings below flags and variables came from, if any. */
  readonly profile?: string;
}

type Key = keyof typeof FLAG;

/**
 * One connection config for worker, API and CLI: each setting from its flag, else its
 * environment variable, else Temporal's TOML profile, else the default. Every error names where
 * the bad value came from (the flag, the variable, or the profile and its key).
 */
export function resolveConnectionConfig(
  flags: ConnectionFlags,
  env: NodeJS.ProcessEnv = process.env,
): TemporalConnectionConfig {
  let profile: TemporalProfile | undefined;
  try {
    profile = loadTemporalProfile(
      {
        ...(flags.temporalConfigFile !== undefined && { configFile: flags.temporalConfigFile }),
        ...(flags.temporalProfile !== undefined && { profile: flags.temporalProfile }),
      },
      env,
    );
  } catch (e) {
    if (e instanceof TemporalProfileError) throw new ConnectionConfigError(e.message);
    throw e;
  }
  if (env.TEMPORAL_TLS_DISABLE_HOST_VERIFICATION === 'true')
    throw new ConnectionConfigError(
      'TEMPORAL_TLS_DISABLE_HOST_VERIFICATION=true: rackshift always verifies the server; set TEMPORAL_TLS_SERVER_NAME to the name its certificate carries instead',
    );
  const fromProfile = (field: string, value: string | undefined): Picked | undefined =>
    profile === undefined || value === undefined
      ? undefined
      : { value, source: `${profile.label}: ${field}`, fromProfile: true };
  const pemFromProfile = (field: string, src: ConfigDataSource | undefined): Picked | undefined =>
    src === undefined
      ? undefined
      : 'path' in src
        ? fromProfile(`${field}_path`, src.path)
        : {
            ...fromProfile(`${field}_data`, Buffer.from(src.data).toString('utf8'))!,
            inline: true,
          };
  const pick = (
    key: Key,
    flag: string | boolean | undefined,
    envName?: string,
    base?: Picked,
  ): Picked | undefined => {
    if (flag !== undefined) return { value: String(flag), source: FLAG[key] };
    const fromEnv = envName === undefined ? undefined : env[envName];
    return fromEnv === undefined || fromEnv === '' ? base : { value: fromEnv, source: envName! };
  };
  /** A PEM from its flag, its _PATH variable or its _DATA variable (inline), else the profile's. */
  const pickPem = (
    key: 'tlsCa' | 'tlsCert' | 'tlsKey',
    flag: string | undefined,
    base: Picked | undefined,
  ): Picked | undefined => {
    const dataName = ENV[key].replace(/_PATH$/, '_DATA');
    const data = env[dataName];
    if (flag === undefined && env[ENV[key]] && data)
      throw new ConnectionConfigError(`both ${ENV[key]} and ${dataName} are set: use one`);
    if (flag === undefined && !env[ENV[key]] && data)
      return { value: data, source: dataName, inline: true };
    return pick(key, flag, ENV[key], base);
  };
  const check = (key: keyof typeof rules, got: Picked | undefined): string | undefined => {
    if (got === undefined) return undefined;
    const r = rules[key].safeParse(got.value);
    if (!r.success)
      throw new ConnectionConfigError(
        `${got.source}: ${r.error.issues[0]!.message}, got "${got.value}"`,
      );
    return got.value;
  };
  const readable = (got: Picked | undefined): Buffer | undefined => {
    if (got === undefined) return undefined;
    if (got.inline) return Buffer.from(got.value);
    try {
      return readFileSync(got.value);
    } catch (e) {
      throw new ConnectionConfigError(
        `${got.source}: cannot read ${got.value} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
      );
    }
  };
  const upper = (got: Picked | undefined): got is Picked =>
    got !== undefined && got.fromProfile !== true;

  const pt = profile?.tls;
  const address =
    check(
      'temporal',
      pick('temporal', flags.temporal, ENV.temporal, fromProfile('address', profile?.address)),
    ) ?? '127.0.0.1:7233';
  const namespace =
    check(
      'namespace',
      pick(
        'namespace',
        flags.namespace,
        ENV.namespace,
        fromProfile('namespace', profile?.namespace),
      ),
    ) ?? NAMESPACE;
  const taskQueue =
    check('taskQueue', pick('taskQueue', flags.taskQueue, ENV.taskQueue)) ?? TASK_QUEUE;
  let tlsPick = pick(
    'tls',
    flags.tls,
    ENV.tls,
    pt === undefined ? undefined : fromProfile('tls.disabled', String(pt.disabled !== true)),
  );
  const ca = pickPem('tlsCa', flags.tlsCa, pemFromProfile('tls.server_ca_cert', pt?.ca));
  // The client pair comes from one level: a certificate from a flag and a key from the profile
  // would be two different identities.
  let cert = pickPem('tlsCert', flags.tlsCert, undefined);
  let key = pickPem('tlsKey', flags.tlsKey, undefined);
  if (cert === undefined && key === undefined) {
    cert = pemFromProfile('tls.client_cert', pt?.cert);
    key = pemFromProfile('tls.client_key', pt?.key);
  }
  const serverNamePick = pick(
    'tlsServerName',
    flags.tlsServerName,
    ENV.tlsServerName,
    fromProfile('tls.server_name', pt?.serverName),
  );
  const serverName = check('tlsServerName', serverNamePick);
  const apiKeyFile = pick('apiKey', flags.apiKeyFile);
  const apiKeyEnv = env[ENV.apiKey] ? { value: env[ENV.apiKey]!, source: ENV.apiKey } : undefined;
  const tlsSettings = [ca, cert, key, serverNamePick];
  // Flags and variables override the profile: one of them giving a TLS setting beats the
  // profile's `disabled = true`; one of them turning TLS off drops the profile's TLS settings.
  if (tlsPick?.fromProfile && tlsPick.value === 'false' && tlsSettings.some(upper))
    tlsPick = undefined;
  const tlsOn = check('tls', tlsPick);

  if (cert !== undefined && key === undefined)
    throw new ConnectionConfigError(
      `${cert.source} is set but no client key: set ${FLAG.tlsKey} or ${ENV.tlsKey} too`,
    );
  if (key !== undefined && cert === undefined)
    throw new ConnectionConfigError(
      `${key.source} is set but no client certificate: set ${FLAG.tlsCert} or ${ENV.tlsCert} too`,
    );
  if (tlsOn === 'false' && upper(tlsPick)) {
    const tlsOnly = tlsSettings.filter(upper).find((x) => x !== undefined);
    if (tlsOnly !== undefined)
      throw new ConnectionConfigError(
        `${tlsPick.source} turns TLS off, but ${tlsOnly.source} is a TLS setting: drop one of them`,
      );
  }
  if (apiKeyFile !== undefined && apiKeyEnv !== undefined)
    throw new ConnectionConfigError(
      `both ${FLAG.apiKey} and ${ENV.apiKey} give an API key: use one`,
    );

  const codecKeys = codecKeysOf(flags.codecKeyFile, env);

  let apiKey: string | undefined;
  if (apiKeyFile !== undefined) {
    apiKey = readable(apiKeyFile)!.toString('utf8').trim();
    if (apiKey === '')
      throw new ConnectionConfigError(`${FLAG.apiKey}: ${apiKeyFile.value} is empty`);
  } else if (apiKeyEnv !== undefined) {
    apiKey = apiKeyEnv.value.trim();
  } else if (profile?.apiKey !== undefined) {
    apiKey = profile.apiKey.trim();
  }

  // As in Temporal's envconfig: an API key or any TLS file turns TLS on unless it is turned off
  // explicitly.
  const wantTls =
    tlsOn === 'true' ||
    (tlsOn === undefined &&
      (apiKey !== undefined || ca !== undefined || cert !== undefined || serverName !== undefined));
  const caPem = wantTls ? readable(ca) : undefined;
  const certPem = wantTls ? readable(cert) : undefined;
  const keyPem = wantTls ? readable(key) : undefined;
  const tls: false | TlsSettings = !wantTls
    ? false
    : {
        ...(caPem !== undefined && { serverRootCACertificate: caPem }),
        ...(certPem !== undefined &&
          keyPem !== undefined && { clientCertPair: { crt: certPem, key: keyPem } }),
        ...(serverName !== undefined && { serverNameOverride: serverName }),
      };
  return {
    address,
    namespace,
    taskQueue,
    tls,
    ...(apiKey !== undefined && { apiKey }),
    ...(profile?.grpcMeta !== undefined && { metadata: { ...profile.grpcMeta } }),
    ...(codecKeys !== undefined && { codecKeys }),
    ...(profile !== undefined && { profile: profile.label }),
  };
}

/**
 * The payload keys: the `--codec-key-file` flag, else its variable, else the inline keys. Also for
 * `rackshift dev`, which takes no other connection setting.
 */
export function codecKeysOf(
  flagFile: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): CodecKeyRing | undefined {
  const fromEnv = env[ENV.codecKeyFile];
  return resolveCodecKeys(
    flagFile !== undefined
      ? { value: flagFile, source: FLAG.codecKeyFile }
      : fromEnv
        ? { value: fromEnv, source: ENV.codecKeyFile }
        : undefined,
    env,
  );
}

/** The payload keys from the file (flag or variable) or the inline variable; never both. */
function resolveCodecKeys(
  file: { value: string; source: string } | undefined,
  env: NodeJS.ProcessEnv,
): CodecKeyRing | undefined {
  const inline = env[ENV.codecKeys];
  if (file !== undefined && inline)
    throw new ConnectionConfigError(
      `both ${file.source} and ${ENV.codecKeys} give payload keys: use one`,
    );
  try {
    if (file !== undefined) return readCodecKeyFile(file.value, file.source);
    return inline ? parseCodecKeys(inline, ENV.codecKeys) : undefined;
  } catch (e) {
    if (e instanceof CodecKeyError) throw new ConnectionConfigError(e.message);
    throw e;
  }
}

/**
 * The data converter every Client and Worker of a process takes: the payload codec when keys are
 * configured, else Temporal's default (plain JSON payloads).
 */
export function dataConverterOf(config: TemporalConnectionConfig): DataConverter | undefined {
  return config.codecKeys === undefined
    ? undefined
    : { payloadCodecs: [new AesGcmPayloadCodec(config.codecKeys)] };
}

/**
 * The options @temporalio/client's Connection and @temporalio/worker's NativeConnection both take.
 */
export function connectionOptionsOf(config: TemporalConnectionConfig): {
  address: string;
  tls?: TlsSettings;
  apiKey?: string;
  metadata?: Record<string, string>;
} {
  return {
    address: config.address,
    ...(config.tls !== false && { tls: config.tls }),
    ...(config.apiKey !== undefined && { apiKey: config.apiKey }),
    ...(config.metadata !== undefined && { metadata: { ...config.metadata } }),
  };
}

/** For log lines: where and how, never the key or certificates. */
export function describeConnection(config: TemporalConnectionConfig): string {
  const how = [
    config.tls === false ? 'plain gRPC' : config.tls.clientCertPair ? 'mTLS' : 'TLS',
    ...(config.apiKey !== undefined ? ['API key'] : []),
    ...(config.codecKeys !== undefined
      ? [`payloads encrypted with key ${config.codecKeys.current}`]
      : []),
  ].join(' + ');
  const from = config.profile === undefined ? '' : `; ${config.profile} under flags and variables`;
  return `${config.address} namespace ${config.namespace} task queue ${config.taskQueue} (${how})${from}`;
}
