import { existsSync } from 'node:fs';
import { platform } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { loadClientConfig, type ConfigDataSource } from '@temporalio/envconfig';
import { RackshiftError } from '../common/errors';

/** A profile that is missing, or a config file that cannot be read or breaks the schema. */
export class TemporalProfileError extends RackshiftError {
  override readonly name = 'TemporalProfileError';
  constructor(message: string) {
    super(message, { retryable: false });
  }
}

/** What a profile may set; PEM as a file path or inline data, as Temporal's schema allows. */
export interface TemporalProfile {
  /** `profile "prod" of /etc/temporal.toml`: the source an error names. */
  readonly label: string;
  readonly address?: string;
  readonly namespace?: string;
  readonly apiKey?: string;
  readonly tls?: {
    readonly disabled?: boolean;
    readonly serverName?: string;
    readonly ca?: ConfigDataSource;
    readonly cert?: ConfigDataSource;
    readonly key?: ConfigDataSource;
  };
  readonly grpcMeta?: Readonly<Record<string, string>>;
}

/** Where Temporal's tools look when no file is named (envconfig's own rule). */
function defaultConfigFile(env: NodeJS.ProcessEnv): string | undefined {
  if (platform() === 'darwin')
    return env.HOME
      ? join(env.HOME, 'Library', 'Application Support', 'temporalio', 'temporal.toml')
      : undefined;
  const xdg = env.XDG_CONFIG_HOME;
  const dir = xdg ? (isAbsolute(xdg) ? xdg : undefined) : env.HOME && join(env.HOME, '.config');
  return dir ? join(dir, 'temporalio', 'temporal.toml') : undefined;
}

/**
 * Temporal's client configuration profile (docs.temporal.io/develop/environment-configuration):
 * the file from `--temporal-config-file`, else TEMPORAL_CONFIG_FILE, else the default path if it
 * exists; the profile from `--temporal-profile`, else TEMPORAL_PROFILE, else `default`. A named
 * file or profile that is missing is an error; no file at the default path is no profile. The
 * file is read strictly: an unknown key is an error (a typo must not silently drop a setting).
 */
export function loadTemporalProfile(
  flags: { readonly configFile?: string; readonly profile?: string },
  env: NodeJS.ProcessEnv,
): TemporalProfile | undefined {
  const named =
    flags.configFile !== undefined
      ? { file: flags.configFile, source: '--temporal-config-file' }
      : env.TEMPORAL_CONFIG_FILE
        ? { file: env.TEMPORAL_CONFIG_FILE, source: 'TEMPORAL_CONFIG_FILE' }
        : undefined;
  const profileNamed =
    flags.profile !== undefined
      ? { name: flags.profile, source: '--temporal-profile' }
      : env.TEMPORAL_PROFILE
        ? { name: env.TEMPORAL_PROFILE, source: 'TEMPORAL_PROFILE' }
        : undefined;
  const file = named?.file ?? defaultConfigFile(env);
  if (file === undefined || !existsSync(file)) {
    if (named !== undefined)
      throw new TemporalProfileError(`${named.source}: ${named.file} does not exist`);
    if (profileNamed !== undefined)
      throw new TemporalProfileError(
        `${profileNamed.source} names profile "${profileNamed.name}", but there is no config file (${file ?? 'no default path'}): set --temporal-config-file or TEMPORAL_CONFIG_FILE`,
      );
    return undefined;
  }
  let profiles;
  try {
    profiles = loadClientConfig({ configSource: { path: file }, configFileStrict: true }).profiles;
  } catch (e) {
    throw new TemporalProfileError(
      `${named?.source ?? 'Temporal config file'} ${file}: ${(e as Error).message}`,
    );
  }
  const name = profileNamed?.name ?? 'default';
  const profile = profiles[name];
  if (profile === undefined) {
    if (profileNamed === undefined) return undefined;
    throw new TemporalProfileError(
      `${profileNamed.source}: no profile "${name}" in ${file} (it has: ${Object.keys(profiles).join(', ') || 'none'})`,
    );
  }
  const tls = profile.tls;
  return {
    label: `profile "${name}" of ${file}`,
    ...(profile.address !== undefined && { address: profile.address }),
    ...(profile.namespace !== undefined && { namespace: profile.namespace }),
    ...(profile.apiKey !== undefined && { apiKey: profile.apiKey }),
    ...(tls !== undefined && {
      tls: {
        ...(tls.disabled !== undefined && { disabled: tls.disabled }),
        ...(tls.serverName !== undefined && { serverName: tls.serverName }),
        ...(tls.serverCACert !== undefined && { ca: tls.serverCACert }),
        ...(tls.clientCert !== undefined && { cert: tls.clientCert }),
        ...(tls.clientKey !== undefined && { key: tls.clientKey }),
      },
    }),
    ...(profile.grpcMeta !== undefined && { grpcMeta: profile.grpcMeta }),
  };
}
