import type { FieldIssue } from '../common/errors';
import type { TopologyIndex } from './topology-index';
import type { Persona } from './topology-schema';

/**
 * A hypervisor cluster is named by a hypervisor persona of the topology: a persona whose boot
 * image is of kind `hypervisor` (`vmhost-a` in examples/lab-small.yaml). Its NICs' networks
 * are the VLAN trunks its host carries for future VMs, its LUNs the shared datastores, its
 * image what the host boots. A persona with a home serves its home's site; one without a home
 * serves every site. Pure, so the API (400 before a run starts) and the activity (again, inside
 * the run) decide alike.
 */
export type ClusterChoice = { readonly cluster: string; readonly site: string } | { readonly issues: readonly FieldIssue[] };

function isHypervisorPersona(topology: TopologyIndex, p: Persona): boolean {
  return topology.topology.bootImages.find((i) => i.name === p.image)?.kind === 'hypervisor';
}

function serves(topology: TopologyIndex, p: Persona, site: string): boolean {
  if (p.home === undefined) return true;
  const at = 'machine' in p.home ? p.home.machine : p.home.host;
  return topology.hasMachine(at) && topology.machineSite(at).name === site;
}

/** The cluster `machine` should host: `cluster` when given and fit, else the only hypervisor persona serving the machine's site. */
export function chooseCluster(topology: TopologyIndex, machineId: string, cluster: string | undefined): ClusterChoice {
  if (!topology.hasMachine(machineId)) return { issues: [{ path: 'input.machine', message: `unknown machine "${machineId}"` }] };
  const machine = topology.machine(machineId);
  const site = topology.machineSite(machineId).name;
  const issues: FieldIssue[] = [];
  if (machine.hypervisor === undefined) {
    issues.push({ path: 'input.machine', message: `machine ${machineId} has no hypervisor endpoint (a "hypervisor" block saying where virsh answers over SSH), so it cannot be a hypervisor host` });
  }
  if (cluster !== undefined) {
    const persona = topology.topology.personas.find((p) => p.name === cluster);
    if (persona === undefined) issues.push({ path: 'input.cluster', message: `unknown cluster "${cluster}" (a cluster is a persona whose image is of kind hypervisor)` });
    else if (!isHypervisorPersona(topology, persona)) issues.push({ path: 'input.cluster', message: `persona ${cluster} boots ${persona.image}, which is not a hypervisor image, so it names no cluster` });
    else if (!serves(topology, persona, site)) issues.push({ path: 'input.cluster', message: `cluster ${cluster} has its home in another site than ${machineId}'s (${site})` });
    return issues.length > 0 ? { issues } : { cluster, site };
  }
  const fitting = topology.topology.personas.filter((p) => isHypervisorPersona(topology, p) && serves(topology, p, site)).map((p) => p.name).sort();
  if (fitting.length === 0) issues.push({ path: 'input.cluster', message: `no hypervisor persona (a persona whose image is of kind hypervisor) serves site ${site}: declare one in the topology` });
  if (fitting.length > 1) issues.push({ path: 'input.cluster', message: `site ${site} has several clusters (${fitting.join(', ')}): name one` });
  return issues.length > 0 ? { issues } : { cluster: fitting[0]!, site };
}
