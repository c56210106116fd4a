import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { createServer as createHttpServer, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createSecureContext } from 'node:tls';
import { RackshiftError } from '../common/errors';

/** The API's certificate or key cannot be read or does not make a TLS context. */
export class HttpsConfigError extends RackshiftError {
  override readonly name = 'HttpsConfigError';
  constructor(message: string) {
    super(message, { retryable: false });
  }
}

export interface HttpsFiles {
  readonly certFile: string;
  readonly keyFile: string;
  /** How often the files are checked for a change (ms; default 2000). */
  readonly reloadIntervalMs?: number;
}

export interface Listening {
  readonly server: Server;
  readonly url: string;
  stop(): Promise<void>;
}

/** Reads and checks the pair (bad PEM, key of another certificate); the CLI calls it first. */
export function readHttpsPair(files: HttpsFiles): { cert: Buffer; key: Buffer } {
  const read = (file: string, what: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (e) {
      throw new HttpsConfigError(
        `${what} ${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
      );
    }
  };
  const pair = {
    cert: read(files.certFile, '--https-cert'),
    key: read(files.keyFile, '--https-key'),
  };
  try {
    // Throws for a bad PEM or a key that does not match the certificate.
    createSecureContext(pair);
  } catch (e) {
    throw new HttpsConfigError(
      `--https-cert ${files.certFile} / --https-key ${files.keyFile}: ${(e as Error).message}`,
    );
  }
  return pair;
}

/**
 * Serves `app` on host:port: HTTP, or HTTPS from a certificate and key file that are re-read when
 * either changes (a renewed certificate is served to new connections without a restart). A pair
 * that does not load — the certificate replaced before its key — keeps the old one and is tried
 * again at the next change; each outcome is one log line.
 */
export async function listen(
  app: RequestListener,
  options: { host: string; port: number; https?: HttpsFiles; log?: (line: string) => void },
): Promise<Listening> {
  const log = options.log ?? ((line: string) => console.error(line));
  const https = options.https;
  const server: Server =
    https === undefined ? createHttpServer(app) : createHttpsServer(readHttpsPair(https), app);
  if (https !== undefined) {
    const reload = (): void => {
      try {
        (server as ReturnType<typeof createHttpsServer>).setSecureContext(readHttpsPair(https));
        log(`api: reloaded the HTTPS certificate from ${https.certFile}`);
      } catch (e) {
        log(`api: kept the previous HTTPS certificate: ${(e as Error).message}`);
      }
    };
    const interval = https.reloadIntervalMs ?? 2000;
    // Polling stat, not inotify: renewal tools replace the file (rename, symlink swap).
    for (const f of [https.certFile, https.keyFile]) watchFile(f, { interval }, reload);
    server.once('close', () => {
      for (const f of [https.certFile, https.keyFile]) unwatchFile(f, reload);
    });
  }
  server.listen(options.port, options.host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    server,
    url: `${https === undefined ? 'http' : 'https'}://${host}:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
