import { connect } from 'node:net';
import type { HealthCheck } from '../../inventory/topology-schema';
import type { ProbeResult } from './health-probe';
import { describeSocketError, socketHost, stopwatch } from './probe-timing';

/** RFC 4253 §4.2: the identification line is at most 255 bytes including CR LF. */
const BANNER_LIMIT = 255;

/**
 * Healthy when the server sends an SSH identification line (`SSH-2.0-…`) within the timeout; no
 * login is attempted.
 */
export function probeSshBanner(
  check: Extract<HealthCheck, { kind: 'ssh' }>,
  timeoutMs: number,
): Promise<ProbeResult> {
  const done = stopwatch();
  const where = `${check.host}:${check.port}`;
  return new Promise((resolve) => {
    let received = '';
    const socket = connect({ host: socketHost(check.host), port: check.port });
    const finish = (result: ProbeResult): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(
      () => finish(done(false, `no SSH banner from ${where} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      received += chunk;
      // Servers may send other lines before the identification line (RFC 4253 §4.2); skip them.
      for (let end = received.indexOf('\n'); end !== -1; end = received.indexOf('\n')) {
        const line = received.slice(0, end).replace(/\r$/, '');
        received = received.slice(end + 1);
        if (line.startsWith('SSH-')) {
          const printable = line.slice(0, BANNER_LIMIT).replace(/[^\x20-\x7e]/g, '?');
          finish(
            /^SSH-(?:2\.0|1\.99)-/.test(line)
              ? done(true, printable)
              : done(false, `${where} speaks an unsupported SSH version: ${printable}`),
          );
          return;
        }
      }
      if (received.length > BANNER_LIMIT)
        finish(
          done(
            false,
            `${where} is not an SSH server: ${received.slice(0, 80).replace(/[^\x20-\x7e]/g, '?')}`,
          ),
        );
    });
    socket.once('end', () =>
      finish(done(false, `${where} closed the connection before its SSH banner`)),
    );
    socket.once('error', (e) => finish(done(false, `${where}: ${describeSocketError(e)}`)));
  });
}
