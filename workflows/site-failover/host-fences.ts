import type { FailoverPlan } from '../../domain/planner/failover-plan';
import type { Topology } from '../../inventory/topology-schema';
import { storage } from '../activity-proxies/storage';
import type { RunJournal } from '../run-journal';
import { fencePowerAndPorts } from '../steps/fence-source';

/** A failed hypervisor host whose VMs the failover restarts elsewhere, and how it was fenced. */
export interface DeadHostOutcome {
  readonly machine: string;
  /** Its VMs the plan restores (each by a `vm-restart` or `repurpose` child). */
  readonly vms: readonly string[];
  readonly fenced: boolean;
  readonly error?: string;
}

/**
 * Fences each failed hypervisor host once, before the first of its VMs starts anywhere else (the
 * VMs of one host may sit in several priority groups and start in parallel): with `full`, power
 * off through its BMC if it answers and its ports shut (fence-source.ts); always every lost VM's
 * LUNs unmasked from the host's initiator, the fence that must hold. Never undone.
 */
export class HostFences {
  private readonly fences = new Map<string, Promise<void>>();
  private readonly outcomes = new Map<string, DeadHostOutcome>();

  constructor(
    private readonly journal: RunJournal,
    private readonly topology: Topology,
    private readonly plan: FailoverPlan,
    private readonly full: boolean,
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
      if (this.full) await fencePowerAndPorts(this.journal, host);
      const machine = this.topology.sites.flatMap((s) => s.machines).find((m) => m.id === host);
      const iqn = machine?.storage.iqn;
      const luns = this.topology.personas
        .filter((p) => lost.includes(p.name))
        .flatMap((p) => p.luns);
      const arrays = [...new Set(luns.map((l) => l.array))].sort();
      await this.journal.step(
        'fence-host-luns',
        `unmask ${lost.join(', ')}'s LUNs from ${host}`,
        async () => {
          if (iqn === undefined) return 0;
          for (const array of arrays)
            await storage.unmaskLuns.executeWithOptions({ summary: `fence ${host} on ${array}` }, [
              {
                array,
                masks: luns
                  .filter((l) => l.array === array)
                  .map((l) => ({ lun: l.lun, initiator: iqn })),
              },
            ]);
          return luns.length;
        },
        (n) => `${n} LUN(s) unmasked from ${iqn ?? 'no initiator'}`,
      );
      this.outcomes.set(host, { machine: host, vms, fenced: true });
    } catch (e) {
      const error = (e as Error).message;
      this.outcomes.set(host, { machine: host, vms, fenced: false, error });
      throw e;
    }
  }
}
