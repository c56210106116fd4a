import { z } from 'zod';
import { ValidationError } from '../common/errors';
import { parseOrThrow } from '../common/validate';
import type { PortChangeResult, SwitchDriver } from '../drivers/switch/switch-driver';
import { SwitchNotConfiguredError } from '../drivers/switch/switch-errors';
import type { PortVlanState } from '../drivers/switch/port-vlan-state';
import {
  portRefSchema,
  portSpecSchema,
  type PortRef,
  type PortSpec,
} from '../domain/network/port-spec';
import type { ActivityDeps } from './activity-deps';
import { heartbeat } from './activity-context';
import { withFailureMapping } from './application-failure';

export const configurePortsInputSchema = z.strictObject({
  ports: z.array(portSpecSchema).min(1, 'give at least one port').max(1024),
  /** Save each changed switch's configuration afterwards (write memory). */
  save: z.boolean().default(true),
});
export type ConfigurePortsInput = z.input<typeof configurePortsInputSchema>;

export interface ConfigurePortsResult {
  /**
   * Every port of the input as it was before: `configurePorts({ ports: prior })` puts them back
   * exactly.
   */
  readonly prior: readonly PortSpec[];
  /** Ports whose configuration had to change (the others already were as asked). */
  readonly changed: readonly PortRef[];
}

export type SwitchActivityDeps = Pick<ActivityDeps, 'topology' | 'switchDriver'>;

function spec(ref: PortRef, s: PortVlanState): PortSpec {
  return { switchId: ref.switchId, port: ref.port, ...s };
}

function rejectDuplicates(ports: readonly PortRef[]): void {
  const seen = new Set<string>();
  const issues = ports.flatMap((p, i) => {
    const key = `${p.switchId}\0${p.port}`;
    if (seen.has(key))
      return [{ path: `ports[${i}]`, message: `${p.switchId} port ${p.port} is named twice` }];
    seen.add(key);
    return [];
  });
  if (issues.length > 0) throw new ValidationError('switch ports', issues);
}

/**
 * Switch ports for runbooks. `configurePorts` is idempotent (a port already as asked is not
 * touched) and all-or-nothing per call: when one port fails, the ports this call changed are
 * put back before the error is thrown. For a saga, read the ports first (`readPorts`),
 * register `configurePorts({ ports: prior })` as the compensation, then configure.
 * Drivers come from the worker's per-switch pool and are never closed here.
 */
export function createSwitchActivities(
  deps: SwitchActivityDeps,
  options: { heartbeatMs?: number } = {},
) {
  const heartbeatMs = options.heartbeatMs ?? 2_000;

  function driver(switchId: string): SwitchDriver {
    const sw = deps.topology.switch(switchId);
    if (deps.switchDriver === undefined) throw new SwitchNotConfiguredError(sw.id);
    return deps.switchDriver(sw);
  }

  /** Heartbeats while any of `work` waits for a busy switch or runs. */
  async function whileBeating<T>(
    what: string,
    drivers: readonly SwitchDriver[],
    work: Promise<T>[],
  ): Promise<PromiseSettledResult<T>[]> {
    let done = 0;
    const beat = (): void =>
      heartbeat({
        what,
        done,
        total: work.length,
        queued: drivers.reduce((n, d) => n + d.pending(), 0),
      });
    const timer = setInterval(beat, heartbeatMs);
    beat();
    try {
      return await Promise.allSettled(
        work.map((w) =>
          w.finally(() => {
            done += 1;
          }),
        ),
      );
    } finally {
      clearInterval(timer);
    }
  }

  return withFailureMapping({
    async readPorts(input: { ports: PortRef[] }): Promise<PortSpec[]> {
      const { ports } = parseOrThrow(
        'readPorts input',
        z.strictObject({ ports: z.array(portRefSchema).min(1).max(1024) }),
        input,
      );
      const drivers = ports.map((p) => driver(p.switchId));
      ports.forEach((p, i) => drivers[i]?.checkPort(p.port));
      const settled = await whileBeating(
        'readPorts',
        [...new Set(drivers)],
        ports.map((p, i) => (drivers[i] as SwitchDriver).readPort(p.port)),
      );
      return settled.map((s, i) => {
        if (s.status === 'rejected') throw s.reason;
        return spec(ports[i] as PortRef, s.value);
      });
    },

    async configurePorts(input: ConfigurePortsInput): Promise<ConfigurePortsResult> {
      const { ports, save } = parseOrThrow(
        'configurePorts input',
        configurePortsInputSchema,
        input,
      );
      rejectDuplicates(ports);
      const drivers = ports.map((p) => driver(p.switchId));
      const desired = ports.map(({ switchId: _s, port: _p, ...state }) => state);
      // Every port is checked before the first one is queued: a bad one means nothing is sent.
      ports.forEach((p, i) => drivers[i]?.checkPort(p.port, desired[i]));
      const unique = [...new Set(drivers)];
      const settled = await whileBeating(
        'configurePorts',
        unique,
        ports.map((p, i) =>
          (drivers[i] as SwitchDriver).configurePort(p.port, desired[i] as PortVlanState),
        ),
      );

      const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      const applied = settled.flatMap((s, i) =>
        s.status === 'fulfilled' && s.value.changed
          ? [{ driver: drivers[i] as SwitchDriver, result: s.value }]
          : [],
      );
      if (failed !== undefined) {
        await whileBeating(
          'configurePorts rollback',
          unique,
          applied.map(({ driver: d, result }) => d.configurePort(result.port, result.before)),
        );
        throw failed.reason;
      }
      const results = settled.map((s) => (s as PromiseFulfilledResult<PortChangeResult>).value);
      if (save) {
        const dirty = [...new Set(applied.map((a) => a.driver))];
        const saved = await whileBeating(
          'saveConfig',
          dirty,
          dirty.map((d) => d.saveConfig()),
        );
        const saveFailed = saved.find((s): s is PromiseRejectedResult => s.status === 'rejected');
        if (saveFailed !== undefined) throw saveFailed.reason;
      }
      return {
        prior: results.map((r, i) => spec(ports[i] as PortRef, r.before)),
        changed: results
          .filter((r) => r.changed)
          .map((r) => ({ switchId: r.switchId, port: r.port })),
      };
    },
  });
}

export type SwitchActivities = ReturnType<typeof createSwitchActivities>;
