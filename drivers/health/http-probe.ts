import { request } from 'node:http';
import type { HealthCheck } from '../../inventory/topology-schema';
import type { ProbeResult } from './health-probe';
import { describeSocketError, socketHost, stopwatch } from './probe-timing';

const BODY_LIMIT = 512;

/**
 * Healthy on a 2xx answer to `GET <path>` within the timeout; the detail quotes the start of the
 * body.
 */
export function probeHttp(
  check: Extract<HealthCheck, { kind: 'http' }>,
  timeoutMs: number,
): Promise<ProbeResult> {
  const done = stopwatch();
  const where = `http://${check.host}:${check.port}${check.path}`;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: ProbeResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(result);
    };
    const req = request(
      {
        host: socketHost(check.host),
        port: check.port,
        path: check.path,
        method: 'GET',
        headers: { 'user-agent': 'rackshift-health' },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (body.length < BODY_LIMIT) body += chunk;
        });
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const text = body
            .slice(0, 80)
            .replace(/[^\x20-\x7e]+/g, ' ')
            .trim();
          finish(
            done(
              status >= 200 && status < 300,
              `HTTP ${status} from ${where}${text ? `: ${text}` : ''}`,
            ),
          );
        });
        res.on('error', (e) => finish(done(false, `${where}: ${describeSocketError(e)}`)));
      },
    );
    const timer = setTimeout(
      () => finish(done(false, `no answer from ${where} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    req.on('error', (e) => finish(done(false, `${where}: ${describeSocketError(e)}`)));
    req.end();
  });
}
