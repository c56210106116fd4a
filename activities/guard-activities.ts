import { mapLimit } from '../common/map-limit';
import { CredentialError, NotFoundError } from '../common/errors';
import { probeSshBanner } from '../drivers/health/ssh-banner-probe';
import { postSignedJson } from '../drivers/notify/signed-webhook';
import { probe } from '../drivers/health/health-probe';
import type { MachineObservation, RoundObservation } from '../domain/guard/guard-decision';
import type { LedgerState } from '../inventory/ledger-records';
import type { Topology } from '../inventory/topology-schema';
import type { ActivityDeps } from './activity-deps';
import { heartbeat } from './activity-context';
import { withFailureMapping } from './application-failure';
import { createMachineProber, occupants } from './machine-probe';

const SWITCH_PROBE_TIMEOUT_MS = 3_000;
const HEALTH_PROBE_TIMEOUT_MS = 3_000;

/**
 * Host id → the VMs the ledgers place on it, most important first (priority, then name): the
 * personas a host's loss takes down.
 */
function hostedVms(topology: Topology, ledgers: readonly LedgerState[]): Map<string, string[]> {
  const priority = new Map(topology.personas.map((p) => [p.name, p.priority]));
  const on = new Map<string, string[]>();
  for (const l of ledgers)
    for (const [persona, p] of Object.entries(l.placements))
      if (p.kind === 'vm') on.set(p.host, [...(on.get(p.host) ?? []), persona]);
  for (const vms of on.values())
    vms.sort((a, b) => (priority.get(a) ?? 5) - (priority.get(b) ?? 5) || (a < b ? -1 : 1));
  return on;
}

/**
 * The site guard's eyes and voice: one probe round of a site (every machine's BMC, every
 * running persona's health check even when its BMC is dark, the site's switches and other
 * sites' switches as witnesses), and signed webhook notifications.
 */
export function createGuardActivities(
  deps: Pick<ActivityDeps, 'topology' | 'ledger' | 'powerDriver' | 'secrets'>,
) {
  const probeMachine = createMachineProber(deps);
  const switchAnswers = async (sw: { address: string; port: number }): Promise<boolean> =>
    (
      await probeSshBanner(
        { kind: 'ssh', host: sw.address, port: sw.port },
        SWITCH_PROBE_TIMEOUT_MS,
      )
    ).healthy;

  /**
   * A hypervisor host is guarded for its VMs: named by the most important one (whose policy
   * decides), healthy while any VM with a health check answers, even when the BMC is dark.
   */
  const probeHost = async (
    machine: string,
    vms: readonly string[],
  ): Promise<Omit<MachineObservation, 'rack'>> => {
    const p = await probeMachine(machine, undefined, { health: false });
    const checks = vms.flatMap((vm) => deps.topology.persona(vm).health ?? []);
    const answers = await Promise.all(
      checks.map(async (c) => (await probe(c, { timeoutMs: HEALTH_PROBE_TIMEOUT_MS })).healthy),
    );
    const top = vms[0]!;
    return {
      machine,
      bmcAnswers: p.power !== 'unknown',
      persona: top,
      priority: deps.topology.persona(top).priority,
      vms,
      ...(checks.length > 0 && { personaHealthy: answers.some((a) => a) }),
    };
  };

  return withFailureMapping({
    async probeGuardSite(input: { site: string; parallelism: number }): Promise<RoundObservation> {
      const topology = deps.topology.topology;
      const site = topology.sites.find((s) => s.name === input.site);
      if (site === undefined) throw new NotFoundError('site', input.site);
      const ledgers = await Promise.all(topology.sites.map((s) => deps.ledger.snapshot(s.name)));
      const running = occupants(topology, ledgers);
      const vmsOn = hostedVms(topology, ledgers);
      let done = 0;
      const machines = await mapLimit(site.machines, input.parallelism, async (m) => {
        const vms = vmsOn.get(m.id);
        if (vms !== undefined) {
          heartbeat({ probed: ++done, of: site.machines.length });
          return { ...(await probeHost(m.id, vms)), rack: m.rack };
        }
        const persona = running.get(m.id);
        const p = await probeMachine(m.id, persona, { health: true, healthWhenDark: true });
        heartbeat({ probed: ++done, of: site.machines.length });
        return {
          machine: m.id,
          rack: m.rack,
          bmcAnswers: p.power !== 'unknown',
          ...(persona !== undefined && {
            persona,
            priority: deps.topology.persona(persona).priority,
          }),
          ...(p.personaHealthy !== undefined && { personaHealthy: p.personaHealthy }),
        };
      });
      const others = topology.sites.filter((s) => s.name !== input.site).flatMap((s) => s.switches);
      const switches = await mapLimit(site.switches, input.parallelism, async (sw) => ({
        id: sw.id,
        answers: await switchAnswers(sw),
      }));
      const witnesses = await mapLimit(others, input.parallelism, async (sw) => ({
        id: sw.id,
        answers: await switchAnswers(sw),
      }));
      return { machines, switches, witnesses };
    },

    /**
     * Every switch port a machine is cabled to (all its NICs, whatever persona runs there): what
     * fencing shuts.
     */
    async cabledPorts(input: {
      machine: string;
    }): Promise<Array<{ switchId: string; port: string }>> {
      return deps.topology
        .machine(input.machine)
        .nics.map((n) => ({ switchId: n.switch, port: n.port }));
    },

    /**
     * POSTs the notification signed with the named credential's password (HMAC-SHA256); the key
     * never enters history.
     */
    async sendGuardNotification(input: {
      url: string;
      secret: string;
      payload: Record<string, unknown>;
    }): Promise<{ status: number }> {
      const key = deps.secrets.resolve(input.secret).password;
      if (key === undefined || key === '')
        throw new CredentialError(input.secret, 'has no password to sign webhooks with');
      return postSignedJson(input.url, input.payload, key);
    },
  });
}

export type GuardActivities = ReturnType<typeof createGuardActivities>;
