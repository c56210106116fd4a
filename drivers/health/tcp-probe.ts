import { connect } from 'node:net';
import type { HealthCheck } from '../../inventory/topology-schema';
import type { ProbeResult } from './health-probe';
import { describeSocketError, socketHost, stopwatch } from './probe-timing';

/** Healthy when a TCP connection opens within the timeout. */
export function probeTcp(
  check: Extract<HealthCheck, { kind: 'tcp' }>,
  timeoutMs: number,
): Promise<ProbeResult> {
  const done = stopwatch();
  return new Promise((resolve) => {
    const socket = connect({ host: socketHost(check.host), port: check.port });
    const finish = (result: ProbeResult): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(
      () =>
        finish(done(false, `no connection to ${check.host}:${check.port} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    socket.once('connect', () => finish(done(true, `connected to ${check.host}:${check.port}`)));
    socket.once('error', (e) =>
      finish(done(false, `${check.host}:${check.port}: ${describeSocketError(e)}`)),
    );
  });
}
