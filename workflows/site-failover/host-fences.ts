import type { FailoverPlan } from '../../domain/planner/failover-plan';
import type { Topology } from '../../inventory/topology-schema';
import { patched } from '@temporalio/workflow';
import type { RunJournal } from '../run-journal';
import { fenceDeadMachine, ONE_FENCE_PATCH, type FenceOutcome } from '../steps/fence-source';

/** A failed hypervisor host whose VMs the failover restarts elsewhere, and how it was fenced. */
export interface DeadHostOutcome {
  readonly machine: string;
  /** Its VMs the plan restores (each by a `vm-restart` or `repurpose` child). */
  readonly vms: readonly string[];
  readonly fenced: boolean;
  /** `off` when its BMC confirmed it off (`fence: full`); unconfirmed otherwise. */
  readonly power?: FenceOutcome['power'];
  readonly error?: string;
}

/**
 * Fences each failed hypervisor host once, before the first of its VMs starts anywhere else (the
 * VMs of one host may sit in several priority groups and start in parallel), with the one fence of
 * a dead machine (fence-source.ts): every lost VM's LUNs are taken from the host at once, so a VM
 * the plan cannot restore is fenced too.
 */
export class HostFences {
  private readonly fences = new Map<string, Promise<void>>();
  private readonly outcomes = new Map<string, DeadHostOutcome>();

  constructor(
    private readonly journal: RunJournal,
    private readonly topology: Topology,
    private readonly plan: FailoverPlan,
    private readonly full: boolean,
    private readonly holder: string,
    private readonly siteOf: (machine: string) => string,
  ) {}

  /** Resolves once `host` is fenced (one promise for all its VMs); rejects if it cannot be. */
  fence(host: string): Promise<void> {
    let done = this.fences.get(host);
    if (done === undefined) {
      done = this.run(host);
      this.fences.set(host, done);
    }
    return done;
  }

  /** The hosts fenced (or tried), by id. */
  report(): DeadHostOutcome[] {
    return [...this.outcomes.values()].sort((a, b) => (a.machine < b.machine ? -1 : 1));
  }

  private lostVms(host: string): string[] {
    return this.plan.restorations
      .filter((r) => r.from.kind === 'vm' && r.from.host === host)
      .map((r) => r.persona);
  }

  private async run(host: string): Promise<void> {
    const lost = this.lostVms(host);
    const vms = this.plan.restorations
      .filter((r) => r.outcome === 'restored' && lost.includes(r.persona))
      .map((r) => r.persona);
    try {
      const fenced = await fenceDeadMachine(this.journal, {
        machine: host,
        site: this.siteOf(host),
        holder: this.holder,
        full: this.full,
        step: 'fence-host-luns',
        luns: () => ({
          initiator: this.topology.sites.flatMap((s) => s.machines).find((m) => m.id === host)
            ?.storage.iqn,
          luns: this.topology.personas.filter((p) => lost.includes(p.name)).flatMap((p) => p.luns),
        }),
        record: patched(ONE_FENCE_PATCH),
      });
      this.outcomes.set(host, { machine: host, vms, fenced: true, power: fenced.power });
    } catch (e) {
      const error = (e as Error).message;
      this.outcomes.set(host, { machine: host, vms, fenced: false, error });
      throw e;
    }
  }
}
