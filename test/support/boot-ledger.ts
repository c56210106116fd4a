import { LedgerBootAssignments } from '../../api/ledger-boot-assignments';
import { parseOrThrow } from '../../common/validate';
import type { BootAssignment, BootAssignmentStore } from '../../drivers/boot/boot-assignment-store';
import { bootAssignmentSchema, type LedgerState } from '../../inventory/ledger-records';
import type { TopologyIndex } from '../../inventory/topology-index';

/**
 * Boot assignments held as the site ledgers hold them, without a Temporal server, and read back
 * through the API's own LedgerBootAssignments. `set` and `delete` stand in for a runbook's ledger
 * updates; `down()` makes the ledgers unreachable, as while Temporal restarts.
 */
export class BootLedger implements BootAssignmentStore {
  private readonly assignments = new Map<string, BootAssignment>();
  private reachable = true;
  private readonly reader: LedgerBootAssignments;

  constructor(topology: TopologyIndex, initial: readonly BootAssignment[] = []) {
    this.reader = new LedgerBootAssignments(topology, { snapshot: (site) => this.snapshot(site) });
    for (const a of initial) this.put(a);
  }

  get(mac: string): Promise<BootAssignment | undefined> {
    return this.reader.get(mac);
  }

  async set(assignment: BootAssignment): Promise<void> {
    this.put(assignment);
  }

  async delete(mac: string): Promise<void> {
    this.assignments.delete(mac.toLowerCase());
  }

  down(): void {
    this.reachable = false;
  }

  private put(assignment: BootAssignment): void {
    const valid = parseOrThrow('boot assignment', bootAssignmentSchema, assignment);
    this.assignments.set(valid.mac, valid);
  }

  private async snapshot(site: string): Promise<LedgerState> {
    if (!this.reachable) throw new Error(`ledger of ${site}: no worker answers`);
    const bootAssignments = Object.fromEntries(this.assignments);
    return { site, placements: {}, leases: {}, machines: {}, bootAssignments, version: 1 };
  }
}
