import { readFileSync } from 'node:fs';
import type { TLSSocket } from 'node:tls';
import { buildConnector } from 'undici';
import { ValidationError } from '../../common/errors';
import type { RedfishBmc } from '../../inventory/topology-schema';
import { BmcTlsError } from './power-errors';

type BmcContext = ConstructorParameters<typeof BmcTlsError>[0];

/**
 * Exact comparison of SHA-256 fingerprints in `AA:BB:…` form; a missing peer fingerprint never
 * matches.
 */
export function fingerprintMatches(actual: string | undefined, pinned: string): boolean {
  return actual !== undefined && actual.toUpperCase() === pinned.toUpperCase();
}

type Tls = NonNullable<RedfishBmc['tls']>;

function connectOptions(machineId: string, tls: Tls | undefined): buildConnector.BuildOptions {
  if (tls?.insecure) return { rejectUnauthorized: false };
  if (tls?.caFile === undefined) return { rejectUnauthorized: tls?.fingerprint === undefined };
  let ca: Buffer;
  try {
    ca = readFileSync(tls.caFile);
  } catch (e) {
    throw new ValidationError(`machine ${machineId}`, [
      {
        path: 'bmc.tls.caFile',
        message: `cannot read ${tls.caFile}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
      },
    ]);
  }
  return { ca, rejectUnauthorized: true };
}

/**
 * The undici connector for one BMC. A pinned fingerprint is checked on every new connection,
 * before any request (and so any credential) is written to it; TLS session resumption is off
 * so that every connection presents its certificate again. With a fingerprint alone the
 * chain is not verified (BMC certificates are mostly self-signed): the pin is the trust.
 */
export function redfishConnector(
  ctx: BmcContext,
  tls: Tls | undefined,
  timeoutMs: number,
): buildConnector.connector {
  const base = buildConnector({
    ...connectOptions(ctx.machineId, tls),
    timeout: timeoutMs,
    maxCachedSessions: 0,
  });
  const pinned = tls?.fingerprint;
  if (pinned === undefined) return base;
  return (options, callback) => {
    base(options, (err, socket) => {
      if (err !== null) {
        callback(err, null);
        return;
      }
      const actual =
        options.protocol === 'https:'
          ? (socket as TLSSocket).getPeerCertificate().fingerprint256
          : undefined;
      if (!fingerprintMatches(actual, pinned)) {
        socket.destroy();
        callback(
          new BmcTlsError(
            ctx,
            `certificate fingerprint ${actual ?? '(none)'} is not the pinned ${pinned}`,
          ),
          null,
        );
        return;
      }
      callback(null, socket);
    });
  };
}
