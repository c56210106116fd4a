import { startIpmiBmcs } from './bmc/ipmi-sim-bmcs';
import { startRedfishBmcs } from './bmc/redfish-bmcs';
import { startLabBoot } from './boot/start-lab-boot';
import { startControlServer } from './control-server';
import { startLabDisks } from './disk/start-lab-disks';
import { startLabHypervisors } from './hypervisor/start-lab-hypervisors';
import { startLabFabrics } from './fabric/start-lab-fabrics';
import { Lab, type LabComponentStarter, type LabOptions } from './lab';
import { startLabArrays } from './san/start-lab-arrays';
import { startLabSwitches } from './switch/start-lab-switches';

/**
 * Every kind of lab peer, in start order. The control server comes first (peers call back
 * into it); each later starter returns undefined when the topology has nothing of its kind.
 */
const LAB_COMPONENTS: ReadonlyArray<readonly [kind: string, start: LabComponentStarter]> = [
  ['control', startControlServer],
  ['ipmi', startIpmiBmcs],
  ['redfish', startRedfishBmcs],
  ['switches', startLabSwitches],
  ['arrays', startLabArrays],
  ['fabrics', startLabFabrics],
  ['boot', startLabBoot],
  ['hypervisors', startLabHypervisors],
  ['disks', startLabDisks],
];

export function startLab(options: LabOptions): Promise<Lab> {
  const wanted = options.only;
  const starters = LAB_COMPONENTS.filter(
    ([kind]) => kind === 'control' || wanted === undefined || wanted.includes(kind),
  ).map(([, s]) => s);
  return Lab.start(options, starters);
}
