import { EnvAndFileSecretStore } from '../../common/secrets';
import { Client } from '@temporalio/client';
import { InvalidArgumentError, type Command } from 'commander';
import { readFileSync, statSync } from 'node:fs';
import { HttpsConfigError, readHttpsPair } from '../../api/listen';
import { startApiServer } from '../../api/start-api-server';
import { parseTrustedProxies } from '../../api/trusted-proxies';
import { ValidationError } from '../../common/errors';
import { TopologyIndex } from '../../inventory/topology-index';
import { loadTopologyFile } from '../../inventory/load-topology';
import { dataConverterOf } from '../../temporal/connection-config';
import {
  addTemporalOptions,
  connectAndCheckSetup,
  type TemporalCliOptions,
} from '../temporal-options';

function listenOption(value: string): { host: string; port: number } {
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(value);
  const port = Number(m?.[2]);
  if (!m || port < 1 || port > 65535)
    throw new InvalidArgumentError(`must be host:port, e.g. 127.0.0.1:8080, got "${value}"`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

/** Tokens, one per line; the file must not be readable by group or others. */
function readTokens(file: string): string[] {
  const mode = statSync(file).mode & 0o777;
  if ((mode & 0o077) !== 0)
    throw new InvalidArgumentError(
      `token file ${file} has mode ${mode.toString(8)}; it must be 0600`,
    );
  const tokens = readFileSync(file, 'utf8')
    .split('\n')
    .map((t) => t.trim())
    .filter(Boolean);
  if (tokens.length === 0 || tokens.some((t) => t.length < 32))
    throw new InvalidArgumentError(
      `token file ${file} needs one token of at least 32 characters per line`,
    );
  return tokens;
}

function trustedProxyOption(value: string): string[] {
  try {
    return parseTrustedProxies(value);
  } catch (e) {
    if (e instanceof ValidationError) throw new InvalidArgumentError(e.message);
    throw e;
  }
}

export function registerApiCommands(program: Command): void {
  addTemporalOptions(
    program
      .command('api')
      .description(
        'run the HTTP API on its own, against a Temporal server (production; `rackshift dev` runs one itself)',
      )
      .requiredOption('--topology <file>', 'topology file')
      .option('--listen <host:port>', 'address to listen on', listenOption, {
        host: '127.0.0.1',
        port: 8080,
      })
      .option(
        '--token-store <file>',
        'token store written by `rackshift token create` (mode 0600; re-read when it changes)',
      )
      .option('--token-file <file>', 'admin bearer tokens, one per line (mode 0600)')
      .option('--ui-url <url>', 'Temporal UI base URL, for links in run responses')
      .option(
        '--boot-allow <cidr...>',
        'addresses or CIDRs of the boot networks allowed to fetch iPXE scripts',
        ['127.0.0.1', '::1'],
      )
      .option(
        '--https-cert <file>',
        'serve HTTPS with this certificate (PEM, chain after it); re-read when it changes',
      )
      .option('--https-key <file>', 'private key of --https-cert (PEM, mode 0600)')
      .option(
        '--trusted-proxy <cidr,...>',
        "proxies whose X-Forwarded-For gives the client's address (the boot allow-list uses it)",
        trustedProxyOption,
      ),
  ).action(
    async (
      opts: TemporalCliOptions & {
        topology: string;
        listen: { host: string; port: number };
        tokenStore?: string;
        tokenFile?: string;
        uiUrl?: string;
        bootAllow: string[];
        httpsCert?: string;
        httpsKey?: string;
        trustedProxy?: string[];
      },
    ) => {
      if ((opts.httpsCert === undefined) !== (opts.httpsKey === undefined))
        throw new HttpsConfigError(
          opts.httpsCert === undefined
            ? '--https-key is set but no --https-cert: give both'
            : '--https-cert is set but no --https-key: give both',
        );
      if (opts.tokenStore === undefined && opts.tokenFile === undefined)
        throw new InvalidArgumentError(
          'give --token-store <file> (rackshift token create writes it) or --token-file <file>',
        );
      const https =
        opts.httpsCert !== undefined && opts.httpsKey !== undefined
          ? { certFile: opts.httpsCert, keyFile: opts.httpsKey }
          : undefined;
      if (https !== undefined) readHttpsPair(https);
      const topology = new TopologyIndex(await loadTopologyFile(opts.topology));
      const tokens = opts.tokenFile === undefined ? undefined : readTokens(opts.tokenFile);
      const { config, connection } = await connectAndCheckSetup(opts, 'rackshift api');
      const dataConverter = dataConverterOf(config);
      const api = await startApiServer({
        client: new Client({
          connection,
          namespace: config.namespace,
          ...(dataConverter !== undefined && { dataConverter }),
        }),
        // The codec server the Temporal UI calls (POST /codec/decode): the same keys.
        ...(dataConverter?.payloadCodecs !== undefined && {
          payloadCodec: dataConverter.payloadCodecs[0]!,
        }),
        namespace: config.namespace,
        taskQueue: config.taskQueue,
        topology,
        ...(tokens !== undefined && { tokens }),
        ...(opts.tokenStore !== undefined && { tokenStore: opts.tokenStore }),
        host: opts.listen.host,
        port: opts.listen.port,
        bootAllowFrom: opts.bootAllow,
        // CHAP personas' boot scripts: RACKSHIFT_CRED_* or RACKSHIFT_SECRETS_FILE, as the worker
        // resolves them.
        secrets: new EnvAndFileSecretStore(),
        ...(opts.uiUrl !== undefined && { uiBaseUrl: opts.uiUrl }),
        ...(https !== undefined && { https }),
        ...(opts.trustedProxy !== undefined && { trustedProxies: opts.trustedProxy }),
      });
      console.log(`rackshift api listening on ${api.url}`);
      await new Promise<void>((resolve) => {
        const stop = (): void =>
          void api
            .stop()
            .then(() => connection.close())
            .then(resolve);
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    },
  );
}
