import { ValidationError } from '../common/errors';
import { probe, type ProbeResult } from '../drivers/health/health-probe';
import { HOST_PATTERN } from '../inventory/patterns';
import type { ActivityDeps } from './activity-deps';
import { heartbeat, sleepUnlessCancelled } from './activity-context';
import { withFailureMapping } from './application-failure';

export interface WaitForHealthyResult {
  readonly healthy: boolean;
  readonly detail: string;
  readonly polls: number;
}

/**
 * "Is the persona up": its topology health check, polled with heartbeats until healthy or the
 * timeout.
 */
export function createHealthActivities(deps: Pick<ActivityDeps, 'topology'>) {
  return withFailureMapping({
    async probePersona(input: { persona: string }): Promise<ProbeResult> {
      const check = deps.topology.persona(input.persona).health;
      if (check === undefined)
        return { healthy: true, detail: 'no health check in the topology', latencyMs: 0 };
      return probe(check, { timeoutMs: 3000 });
    },

    /**
     * `host`: ask there instead of the persona's own address (a drill copy answers inside its
     * bubble).
     */
    async waitForHealthy(input: {
      persona: string;
      timeoutSeconds: number;
      pollMs?: number;
      host?: string;
    }): Promise<WaitForHealthyResult> {
      const own = deps.topology.persona(input.persona).health;
      if (input.host !== undefined && !HOST_PATTERN.test(input.host))
        throw new ValidationError('health check', [
          { path: 'host', message: 'must be an IPv4 address, [IPv6] address or host name' },
        ]);
      const check =
        own === undefined || input.host === undefined ? own : { ...own, host: input.host };
      if (check === undefined)
        return { healthy: true, detail: 'no health check in the topology', polls: 0 };
      const deadline = Date.now() + input.timeoutSeconds * 1000;
      for (let polls = 1; ; polls += 1) {
        const r = await probe(check, { timeoutMs: 3000 });
        heartbeat({ polls, detail: r.detail });
        if (r.healthy) return { healthy: true, detail: r.detail, polls };
        if (Date.now() >= deadline) return { healthy: false, detail: r.detail, polls };
        await sleepUnlessCancelled(input.pollMs ?? 1000);
      }
    },
  });
}

export type HealthActivities = ReturnType<typeof createHealthActivities>;
