import { InvalidArgumentError, type Command } from 'commander';
import type { Connection } from '@temporalio/client';
import { connectTemporalWithRetry } from '../temporal/connect';
import { checkTemporalSetup } from '../temporal/namespace-setup';
import { NAMESPACE } from '../worker/task-queue';
import {
  connectionOptionsOf,
  describeConnection,
  ENV,
  resolveConnectionConfig,
  type ConnectionFlags,
  type TemporalConnectionConfig,
} from '../temporal/connection-config';

export interface TemporalCliOptions extends ConnectionFlags {
  /** Seconds to keep retrying until Temporal answers. */
  readonly temporalWait: number;
}

function secondsOption(value: string): number {
  const n = Number(value);
  if (!/^\d{1,5}$/.test(value) || n < 1)
    throw new InvalidArgumentError(`must be a whole number of seconds ≥ 1, got "${value}"`);
  return n;
}

/**
 * The connection flags every command that talks to Temporal takes. No defaults here: a flag
 * wins over its variable, which wins over the default, and resolveConnectionConfig needs to
 * know which one it got to name it in an error.
 */
export function addTemporalOptions(command: Command): Command {
  return command
    .option(
      '--temporal <host:port>',
      `Temporal frontend (env ${ENV.temporal}; default 127.0.0.1:7233)`,
    )
    .option(
      '--namespace <name>',
      `Temporal namespace (env ${ENV.namespace}; default "${NAMESPACE}")`,
    )
    .option(
      '--task-queue <name>',
      `task queue of rackshift's workflows and activities (env ${ENV.taskQueue}; default "rackshift")`,
    )
    .option(
      '--tls',
      `connect with TLS (env ${ENV.tls}=true; implied by any TLS file or an API key)`,
    )
    .option('--no-tls', `plain gRPC even with an API key (env ${ENV.tls}=false)`)
    .option(
      '--tls-ca <file>',
      `CA certificate(s) the server's certificate must chain to (env ${ENV.tlsCa})`,
    )
    .option('--tls-cert <file>', `client certificate for mTLS (env ${ENV.tlsCert})`)
    .option('--tls-key <file>', `client private key for mTLS (env ${ENV.tlsKey})`)
    .option(
      '--tls-server-name <name>',
      `server name to verify instead of the address's host (env ${ENV.tlsServerName})`,
    )
    .option(
      '--temporal-api-key-file <file>',
      `file holding an API key, e.g. Temporal Cloud's (or env ${ENV.apiKey})`,
    )
    .option(
      '--temporal-config-file <file>',
      "Temporal's TOML client config (env TEMPORAL_CONFIG_FILE; default ~/.config/temporalio/temporal.toml if it exists); flags and variables override its profile",
    )
    .option(
      '--temporal-profile <name>',
      'profile in that file (env TEMPORAL_PROFILE; default "default")',
    )
    .option(
      '--codec-key-file <file>',
      `encrypt payloads (AES-256-GCM): "<key id> <base64 key>" lines, newest last, mode 0600 (env ${ENV.codecKeyFile}, or the lines in ${ENV.codecKeys})`,
    )
    .option(
      '--temporal-wait <seconds>',
      'keep retrying this long until Temporal answers',
      secondsOption,
      120,
    );
}

/** Resolves the config (clear errors) and connects, retrying with a log line per attempt. */
export async function connectFromOptions(
  opts: TemporalCliOptions,
  who: string,
): Promise<{ config: TemporalConnectionConfig; connection: Connection }> {
  const config = resolveConnectionConfig(opts);
  const connection = await connectTemporalWithRetry(connectionOptionsOf(config), {
    waitMs: opts.temporalWait * 1000,
    what: `${who}: Temporal at ${config.address}`,
    log: (line) => console.error(line),
  });
  console.error(`${who}: connected to ${describeConnection(config)}`);
  return { config, connection };
}

/**
 * connectFromOptions, then the namespace and search attributes a long-running process needs
 * (`rackshift worker` and `api`): it refuses to start, naming what is missing, and closes the
 * connection.
 */
export async function connectAndCheckSetup(
  opts: TemporalCliOptions,
  who: string,
): Promise<{ config: TemporalConnectionConfig; connection: Connection }> {
  const connected = await connectFromOptions(opts, who);
  try {
    await checkTemporalSetup(connected.connection, connected.config.namespace);
  } catch (e) {
    await connected.connection.close();
    throw e;
  }
  return connected;
}
