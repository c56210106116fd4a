import { performance } from 'node:perf_hooks';
import type { ProbeResult } from './health-probe';

/** `[::1]` (topology spelling) → `::1` (socket spelling). */
export function socketHost(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** Starts the clock; the returned function stamps a result with the elapsed time. */
export function stopwatch(): (healthy: boolean, detail: string) => ProbeResult {
  const start = performance.now();
  return (healthy, detail) => ({
    healthy,
    detail,
    latencyMs: Math.round((performance.now() - start) * 100) / 100,
  });
}

/** A socket error as an operator reads it: `ECONNREFUSED` rather than a stack. */
export function describeSocketError(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return err.code ?? err.message ?? String(e);
}
