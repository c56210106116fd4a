import type { LunAccessDriver } from '../drivers/storage/lun-access-driver';
import { UnsupportedStorageOperationError } from '../drivers/storage/storage-errors';
import type { StorageArray } from '../inventory/topology-schema';
import type { ActivityDeps } from './activity-deps';

/**
 * FC zoning that follows iSCSI masking: a machine with WWPNs that is masked a LUN of an array
 * with `fc` is also zoned to it on the array's fabric, and unzoned with the mask. The runbooks
 * name initiators by IQN; this maps each to its machine's WWPNs through the topology.
 */
export class FcZoning {
  private readonly wwpnsByIqn: ReadonlyMap<string, readonly string[]>;

  constructor(private readonly deps: Pick<ActivityDeps, 'topology' | 'zoningDriver'>) {
    this.wwpnsByIqn = new Map(
      deps.topology
        .allMachines()
        .filter((m) => m.storage.iqn !== undefined && m.storage.wwpns.length > 0)
        .map((m) => [m.storage.iqn as string, m.storage.wwpns]),
    );
  }

  /**
   * WWPNs of the machine behind an iSCSI initiator (none for a foreign initiator or a machine
   * without HBAs).
   */
  wwpnsOf(initiator: string): readonly string[] {
    return this.wwpnsByIqn.get(initiator) ?? [];
  }

  /** The zoning driver of the array's fabric, or undefined when the array has no FC access. */
  driverFor(array: StorageArray): LunAccessDriver | undefined {
    if (array.fc === undefined) return undefined;
    const fabric = this.deps.topology.fabric(array.fc.fabric);
    if (this.deps.zoningDriver === undefined)
      throw new UnsupportedStorageOperationError(
        fabric.id,
        `zone LUNs of ${array.id}`,
        'this worker has no zoning driver configured',
      );
    return this.deps.zoningDriver(fabric, array);
  }
}
