import type { HealthCheck } from '../../inventory/topology-schema';
import { probeHttp } from './http-probe';
import { probeSshBanner } from './ssh-banner-probe';
import { probeTcp } from './tcp-probe';

/**
 * The answer to "is the persona up"; probes never throw, an unreachable service is simply
 * unhealthy.
 */
export interface ProbeResult {
  readonly healthy: boolean;
  /** What was seen: `HTTP 200 …`, `connected`, the SSH banner, or why it failed. */
  readonly detail: string;
  readonly latencyMs: number;
}

export interface ProbeOptions {
  /** The whole probe: connect, request and answer. */
  readonly timeoutMs?: number;
}

const DEFAULT_PROBE_TIMEOUT_MS = 5_000;

type Prober<K extends HealthCheck['kind']> = (
  check: Extract<HealthCheck, { kind: K }>,
  timeoutMs: number,
) => Promise<ProbeResult>;

const PROBERS: { readonly [K in HealthCheck['kind']]: Prober<K> } = {
  http: probeHttp,
  tcp: probeTcp,
  ssh: probeSshBanner,
};

/** Probes a persona's health check from the topology. */
export function probe(check: HealthCheck, options: ProbeOptions = {}): Promise<ProbeResult> {
  const prober = PROBERS[check.kind] as Prober<HealthCheck['kind']>;
  return prober(check as never, options.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS);
}
