import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { DataConverter } from '@temporalio/common';
import { RackshiftError } from '../common/errors';
import { CodecKeyError, parseCodecKeys, readCodecKeyFile, type CodecKeyRing } from './codec-keys';
import { AesGcmPayloadCodec } from './payload-codec';
import { TASK_QUEUE } from '../worker/task-queue';

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

/**
 * Settings only Temporal's TOML profiles carry; rackshift cannot read them yet (no
 * @temporalio/envconfig).
 */
const UNSUPPORTED_ENV = [
  'TEMPORAL_CONFIG_FILE',
  'TEMPORAL_PROFILE',
  'TEMPORAL_TLS_CLIENT_CERT_DATA',
  'TEMPORAL_TLS_CLIENT_KEY_DATA',
  'TEMPORAL_TLS_SERVER_CA_CERT_DATA',
] as const;

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
}

type Key = keyof typeof FLAG;

/**
 * One connection config for worker, API and CLI: each setting from its flag, else its
 * environment variable, else the default. Every error names where the bad value came from.
 */
export function resolveConnectionConfig(
  flags: ConnectionFlags,
  env: NodeJS.ProcessEnv = process.env,
): TemporalConnectionConfig {
  for (const name of UNSUPPORTED_ENV) {
    if (env[name])
      throw new ConnectionConfigError(
        `${name} is set, but rackshift cannot read Temporal's TOML profiles or inline PEM data yet; unset it and use the flags or TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_TLS_*_PATH, TEMPORAL_API_KEY`,
      );
  }
  const pick = (
    key: Key,
    flag: string | boolean | undefined,
    envName?: string,
  ): { value: string; source: string } | undefined => {
    if (flag !== undefined) return { value: String(flag), source: FLAG[key] };
    const fromEnv = envName === undefined ? undefined : env[envName];
    return fromEnv === undefined || fromEnv === ''
      ? undefined
      : { value: fromEnv, source: envName! };
  };
  const check = (
    key: keyof typeof rules,
    got: { value: string; source: string } | undefined,
  ): string | undefined => {
    if (got === undefined) return undefined;
    const r = rules[key].safeParse(got.value);
    if (!r.success)
      throw new ConnectionConfigError(
        `${got.source}: ${r.error.issues[0]!.message}, got "${got.value}"`,
      );
    return got.value;
  };
  const readable = (got: { value: string; source: string } | undefined): Buffer | undefined => {
    if (got === undefined) return undefined;
    try {
      return readFileSync(got.value);
    } catch (e) {
      throw new ConnectionConfigError(
        `${got.source}: cannot read ${got.value} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
      );
    }
  };

  const address =
    check('temporal', pick('temporal', flags.temporal, ENV.temporal)) ?? '127.0.0.1:7233';
  const namespace =
    check('namespace', pick('namespace', flags.namespace, ENV.namespace)) ?? 'default';
  const taskQueue =
    check('taskQueue', pick('taskQueue', flags.taskQueue, ENV.taskQueue)) ?? TASK_QUEUE;
  const tlsPick = pick('tls', flags.tls, ENV.tls);
  const tlsOn = check('tls', tlsPick);
  const ca = pick('tlsCa', flags.tlsCa, ENV.tlsCa);
  const cert = pick('tlsCert', flags.tlsCert, ENV.tlsCert);
  const key = pick('tlsKey', flags.tlsKey, ENV.tlsKey);
  const serverNamePick = pick('tlsServerName', flags.tlsServerName, ENV.tlsServerName);
  const serverName = check('tlsServerName', serverNamePick);
  const apiKeyFile = pick('apiKey', flags.apiKeyFile);
  const apiKeyEnv = env[ENV.apiKey] ? { value: env[ENV.apiKey]!, source: ENV.apiKey } : undefined;

  if (cert !== undefined && key === undefined)
    throw new ConnectionConfigError(
      `${cert.source} is set but no client key: set ${FLAG.tlsKey} or ${ENV.tlsKey} too`,
    );
  if (key !== undefined && cert === undefined)
    throw new ConnectionConfigError(
      `${key.source} is set but no client certificate: set ${FLAG.tlsCert} or ${ENV.tlsCert} too`,
    );
  if (tlsOn === 'false') {
    const tlsOnly = [ca, cert, key, serverNamePick].find((x) => x !== undefined);
    if (tlsOnly !== undefined)
      throw new ConnectionConfigError(
        `${tlsPick!.source} turns TLS off, but ${tlsOnly.source} is a TLS setting: drop one of them`,
      );
  }
  if (apiKeyFile !== undefined && apiKeyEnv !== undefined)
    throw new ConnectionConfigError(
      `both ${FLAG.apiKey} and ${ENV.apiKey} give an API key: use one`,
    );

  const codecKeys = resolveCodecKeys(
    pick('codecKeyFile', flags.codecKeyFile, ENV.codecKeyFile),
    env,
  );

  let apiKey: string | undefined;
  if (apiKeyFile !== undefined) {
    apiKey = readable(apiKeyFile)!.toString('utf8').trim();
    if (apiKey === '')
      throw new ConnectionConfigError(`${FLAG.apiKey}: ${apiKeyFile.value} is empty`);
  } else if (apiKeyEnv !== undefined) {
    apiKey = apiKeyEnv.value.trim();
  }

  // As in Temporal's envconfig: an API key or any TLS file turns TLS on unless it is turned off
  // explicitly.
  const wantTls =
    tlsOn === 'true' ||
    (tlsOn === undefined &&
      (apiKey !== undefined || ca !== undefined || cert !== undefined || serverName !== undefined));
  const caPem = readable(ca);
  const certPem = readable(cert);
  const keyPem = readable(key);
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
    ...(codecKeys !== undefined && { codecKeys }),
  };
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
} {
  return {
    address: config.address,
    ...(config.tls !== false && { tls: config.tls }),
    ...(config.apiKey !== undefined && { apiKey: config.apiKey }),
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
  return `${config.address} namespace ${config.namespace} task queue ${config.taskQueue} (${how})`;
}
