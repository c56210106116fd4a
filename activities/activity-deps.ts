import type { SecretStore } from '../common/secrets';
import type { TopologyIndex } from '../inventory/topology-index';
import type { Fabric, Machine, StorageArray, Switch } from '../inventory/topology-schema';
import type { DiskSource } from '../drivers/disk/disk-source';
import type { VolumeSink } from '../drivers/disk/volume-sink';
import type { HypervisorDriver } from '../drivers/hypervisor/hypervisor-driver';
import type { PowerDriver } from '../drivers/power/power-driver';
import type { SwitchDriver } from '../drivers/switch/switch-driver';
import type { LunAccessDriver, StorageArrayDriver } from '../drivers/storage/lun-access-driver';
import type { ArrayReplicationDriver } from '../drivers/storage/replication-driver';
import type { LedgerClient } from '../temporal/ledger-client';
import type { RunResult } from '../domain/failback/run-result';

/**
 * What activities are built from. Workers pass real drivers; tests pass lab-backed or fake
 * ones. Nothing in activities/ reaches for a global. Later concerns (switches, storage,
 * boot, hypervisors) add their factories here.
 */
export interface ActivityDeps {
  readonly topology: TopologyIndex;
  readonly secrets: SecretStore;
  readonly powerDriver: (machine: Machine) => PowerDriver;
  /** The site ledgers (leases, placements, boot assignments), through the Temporal client. */
  readonly ledger: Pick<
    LedgerClient,
    | 'acquire'
    | 'release'
    | 'place'
    | 'setMachine'
    | 'setMachines'
    | 'setBoot'
    | 'snapshot'
    | 'openRuns'
  >;
  /**
   * An iSCSI array's driver (drivers/storage/create-array-driver over the SSH connector); needed by
   * the storage activities.
   */
  readonly storageDriver?: (array: StorageArray) => StorageArrayDriver;
  /** The replication side of an array's driver (drivers/storage/replication-driver). */
  readonly replicationDriver?: (
    array: StorageArray,
  ) => ArrayReplicationDriver & { close(): Promise<void> };
  /**
   * The zoning driver (drivers/storage/brocade-zoning-driver) for an FC array's LUNs on its fabric;
   * needed where an array has `fc`.
   */
  readonly zoningDriver?: (fabric: Fabric, array: StorageArray) => LunAccessDriver;
  /**
   * The process-wide driver of a switch (drivers/switch/switch-driver-pool), so work for one switch
   * shares one queue; never closed by activities.
   */
  readonly switchDriver?: (sw: Switch) => SwitchDriver;
  /**
   * A hypervisor host's driver (drivers/hypervisor/libvirt-ssh over the SSH connector), for VM
   * placements.
   */
  readonly hypervisorDriver?: (host: Machine) => HypervisorDriver;
  /**
   * A machine's local disk as its P2V helper serves it (drivers/disk), for copy-mode P2V; absent
   * where no helper is configured.
   */
  readonly diskSource?: (machine: Machine) => DiskSource;
  /** Writes a copied disk to a volume of an array (drivers/disk), for copy-mode P2V. */
  readonly volumeSink?: (array: StorageArray, volume: string) => VolumeSink;
  /**
   * A workflow run's type, status and (once completed) result, through the Temporal client
   * (temporal/run-results); undefined when no such workflow. For failback's `run` mode.
   */
  readonly readRunResult?: (workflowId: string) => Promise<RunResult | undefined>;
}
