import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { RackshiftError } from '../common/errors';
import { findTemporalCli } from './find-temporal-cli';
import { SEARCH_ATTRIBUTES } from './search-attributes';
import { connectTemporal } from './connect';
import { NAMESPACE } from '../worker/task-queue';

/** Thrown when the dev server exits early or does not answer in time. */
export class DevServerError extends RackshiftError {
  override readonly name = 'DevServerError';
  constructor(message: string) {
    super(message, { retryable: false });
  }
}

/**
 * SQLite durability for the embedded server. WAL keeps readers off the writer's back;
 * synchronous=NORMAL in WAL mode loses at most the last transactions on a power cut of the
 * host, never corrupts the file, and survives any crash of the process itself — the
 * failure the embedded stack must survive. Tests use synchronous=OFF, as Temporal's own CI does.
 */
const DURABLE_PRAGMAS = ['journal_mode=WAL', 'synchronous=NORMAL'] as const;
export const TEST_PRAGMAS = ['journal_mode=WAL', 'synchronous=OFF'] as const;

export interface DevServerOptions {
  readonly dbFile: string;
  readonly port: number;
  readonly uiPort?: number;
  /** No UI (tests). */
  readonly headless?: boolean;
  readonly ip?: string;
  readonly pragmas?: readonly string[];
  /**
   * Dynamic config values (`--dynamic-config-value key=value`, value as JSON), e.g.
   * `history.maxInFlightUpdates` (10 by default: the in-flight Updates one workflow accepts).
   */
  readonly dynamicConfig?: Readonly<Record<string, number | boolean | string>>;
  /**
   * The UI's codec server (`--ui-codec-endpoint`): the UI's browser pages call it to decode
   * payloads. The dev server sets only the endpoint; its UI sends cookies to it only when the
   * browser's own codec setting includes credentials (docs/production.md, "Payload encryption").
   */
  readonly uiCodecEndpoint?: string;
  /** Server output goes here (appended), not to the console. */
  readonly logFile: string;
  readonly readyTimeoutMs?: number;
  readonly cli?: string;
}

export interface DevServer {
  readonly address: string;
  readonly uiUrl: string | undefined;
  readonly process: ChildProcess;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** `temporal server start-dev` on a SQLite file, with rackshift's search attributes registered. */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const cli = options.cli ?? findTemporalCli();
  const ip = options.ip ?? '127.0.0.1';
  const args = [
    'server',
    'start-dev',
    '--db-filename',
    options.dbFile,
    '--ip',
    ip,
    '--port',
    String(options.port),
    '--log-level',
    'warn',
    '--log-format',
    'json',
    ...(options.headless
      ? ['--headless']
      : [
          '--ui-ip',
          ip,
          '--ui-port',
          String(options.uiPort ?? options.port + 1000),
          '--ui-disable-news-fetch',
          ...(options.uiCodecEndpoint !== undefined
            ? ['--ui-codec-endpoint', options.uiCodecEndpoint]
            : []),
        ]),
    ...(options.pragmas ?? DURABLE_PRAGMAS).flatMap((p) => ['--sqlite-pragma', p]),
    // Created at start (also on an existing database), with the search attributes below.
    '--namespace',
    NAMESPACE,
    ...Object.entries(options.dynamicConfig ?? {}).flatMap(([key, value]) => [
      '--dynamic-config-value',
      `${key}=${JSON.stringify(value)}`,
    ]),
    ...SEARCH_ATTRIBUTES.flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]),
  ];
  mkdirSync(join(options.logFile, '..'), { recursive: true });
  const log = createWriteStream(options.logFile, { flags: 'a' });
  const child = spawn(cli, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: false });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  let exited: string | undefined;
  child.once('exit', (code, signal) => {
    exited = `exited with ${signal ?? `code ${code}`}`;
  });

  const address = `${ip}:${options.port}`;
  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  for (;;) {
    if (exited !== undefined)
      throw new DevServerError(
        `temporal dev server ${exited} before it was ready; see ${options.logFile}`,
      );
    try {
      const connection = await connectTemporal({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.getSystemInfo({});
        await connection.operatorService.listSearchAttributes({ namespace: NAMESPACE });
      } finally {
        await connection.close();
      }
      break;
    } catch (e) {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new DevServerError(
          `temporal dev server at ${address} not ready after ${options.readyTimeoutMs ?? 60_000} ms: ${(e as Error).message}; see ${options.logFile}`,
        );
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  return {
    address,
    uiUrl: options.headless ? undefined : `http://${ip}:${options.uiPort ?? options.port + 1000}`,
    process: child,
    stop: (signal = 'SIGTERM') =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) {
          log.end();
          resolve();
          return;
        }
        const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(force);
          log.end();
          resolve();
        });
        child.kill(signal);
      }),
  };
}
