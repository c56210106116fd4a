import type { BootAssignment, BootAssignmentStore } from '../drivers/boot/boot-assignment-store';
import { RackshiftError } from '../common/errors';
import type { TopologyIndex } from '../inventory/topology-index';
import type { LedgerClient } from '../temporal/ledger-client';

/** Thrown when something tries to change a boot assignment outside a runbook. */
export class ReadOnlyBootAssignmentsError extends RackshiftError {
  override readonly name = 'ReadOnlyBootAssignmentsError';
  constructor() {
    super('boot assignments are changed only by runbooks, through the site ledger', { retryable: false });
  }
}

/**
 * The boot assignments the API serves, read from the site ledgers (where runbooks write them
 * under the machine's lease), so they are as durable as Temporal's store. A MAC belongs to one
 * machine, so only that machine's site ledger is asked.
 */
export class LedgerBootAssignments implements BootAssignmentStore {
  constructor(
    private readonly topology: TopologyIndex,
    private readonly ledger: Pick<LedgerClient, 'snapshot'>,
  ) {}

  async get(mac: string): Promise<BootAssignment | undefined> {
    const machine = this.topology.machineByMac(mac);
    if (machine === undefined) return undefined;
    const snapshot = await this.ledger.snapshot(this.topology.machineSite(machine.id).name);
    return snapshot.bootAssignments[mac.toLowerCase()];
  }

  async list(): Promise<Readonly<Record<string, BootAssignment>>> {
    const all: Record<string, BootAssignment> = {};
    for (const site of this.topology.topology.sites) Object.assign(all, (await this.ledger.snapshot(site.name)).bootAssignments);
    return all;
  }

  async set(): Promise<BootAssignment | undefined> {
    throw new ReadOnlyBootAssignmentsError();
  }

  async delete(): Promise<BootAssignment | undefined> {
    throw new ReadOnlyBootAssignmentsError();
  }
}
