import type { BootAssignment, BootAssignmentStore } from '../drivers/boot/boot-assignment-store';
import type { TopologyIndex } from '../inventory/topology-index';
import type { LedgerClient } from '../temporal/ledger-client';

/**
 * The boot assignments the API serves, read from the site ledgers (where runbooks write them
 * under the machine's lease), so they are as durable as Temporal's store. A MAC belongs to one
 * machine, so only that machine's site ledger is asked. The last snapshot read of each site
 * is kept and served when the ledger cannot be asked (Temporal restarting, no worker): a
 * machine that PXE-boots during a control-plane outage still gets its script, and nothing can
 * change an assignment meanwhile, since only runbooks do, through that same ledger.
 */
export class LedgerBootAssignments implements BootAssignmentStore {
  private readonly lastKnown = new Map<string, Readonly<Record<string, BootAssignment>>>();

  constructor(
    private readonly topology: TopologyIndex,
    private readonly ledger: Pick<LedgerClient, 'snapshot'>,
  ) {}

  async get(mac: string): Promise<BootAssignment | undefined> {
    const machine = this.topology.machineByMac(mac);
    if (machine === undefined) return undefined;
    return (await this.assignmentsOf(this.topology.machineSite(machine.id).name))[
      mac.toLowerCase()
    ];
  }

  private async assignmentsOf(site: string): Promise<Readonly<Record<string, BootAssignment>>> {
    try {
      const fresh = (await this.ledger.snapshot(site)).bootAssignments;
      this.lastKnown.set(site, fresh);
      return fresh;
    } catch (e) {
      const known = this.lastKnown.get(site);
      if (known === undefined) throw e;
      console.error(
        `api: ledger of ${site} unreachable (${(e as Error).message}); serving its last known boot assignments`,
      );
      return known;
    }
  }
}
