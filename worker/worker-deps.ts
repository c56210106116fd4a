import type { Client } from '@temporalio/client';
import type { ActivityDeps } from '../activities/activity-deps';
import type { SecretStore } from '../common/secrets';
import { LibvirtSshDriver } from '../drivers/hypervisor/libvirt-ssh';
import { createPowerDriver } from '../drivers/power/create-power-driver';
import { Ssh2Connector } from '../drivers/ssh/ssh2-connector';
import { BrocadeZoningDriver } from '../drivers/storage/brocade-zoning-driver';
import { chapResolver } from '../drivers/storage/chap-account';
import { createArrayDriver } from '../drivers/storage/create-array-driver';
import { SwitchDriverPool } from '../drivers/switch/switch-driver-pool';
import { TopologyIndex } from '../inventory/topology-index';
import type { Topology } from '../inventory/topology-schema';
import { readRunResult } from '../temporal/run-results';

export interface RealDeps extends ActivityDeps {
  /** Closes the per-switch drivers (their queued work is rejected). */
  close(): Promise<void>;
}

/**
 * The real drivers, for a worker that talks to hardware (or to the lab, which speaks the same
 * protocols). One SSH connector for every device; one driver per switch for the life of the
 * process, so that all runs' changes to a switch meet in one queue. `client` (the one the ledger
 * client talks through) lets activities read other runs' results (failback reads a failover's).
 */
export function realActivityDeps(
  topology: Topology,
  secrets: SecretStore,
  ledger: ActivityDeps['ledger'],
  client?: Client,
): RealDeps {
  const connector = new Ssh2Connector(secrets);
  const switches = new SwitchDriverPool(connector);
  const index = new TopologyIndex(topology);
  const machineWwpns = index
    .allMachines()
    .map((m) => m.storage.wwpns)
    .filter((w) => w.length > 1);
  return {
    topology: index,
    secrets,
    ledger,
    powerDriver: (machine) => createPowerDriver(machine, { secrets }),
    switchDriver: (sw) => switches.driverFor(sw),
    storageDriver: (array) =>
      createArrayDriver(array, connector, {
        chapFor: chapResolver(index, secrets, array.id),
        replication: index.topology.replication,
      }),
    replicationDriver: (array) =>
      createArrayDriver(array, connector, { replication: index.topology.replication }),
    zoningDriver: (fabric, array) =>
      new BrocadeZoningDriver({
        fabric,
        array: array.id,
        connector,
        luns: array.luns,
        targetPorts: array.fc?.targetWwpns ?? [],
        machineWwpns,
      }),
    hypervisorDriver: (host) => new LibvirtSshDriver(host, connector),
    ...(client !== undefined && {
      readRunResult: (workflowId: string) => readRunResult(client, workflowId),
    }),
    close: () => switches.closeAll(),
  };
}
