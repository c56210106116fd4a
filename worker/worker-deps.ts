import type { ActivityDeps } from '../activities/activity-deps';
import type { SecretStore } from '../common/secrets';
import { createPowerDriver } from '../drivers/power/create-power-driver';
import { TopologyIndex } from '../inventory/topology-index';
import type { Topology } from '../inventory/topology-schema';

/** The real drivers, for a worker that talks to hardware (or to the lab, which speaks the same protocols). */
export function realActivityDeps(topology: Topology, secrets: SecretStore, ledger: ActivityDeps['ledger']): ActivityDeps {
  return {
    topology: new TopologyIndex(topology),
    secrets,
    ledger,
    powerDriver: (machine) => createPowerDriver(machine, { secrets }),
  };
}
