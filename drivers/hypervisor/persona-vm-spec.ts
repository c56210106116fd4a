import { ValidationError, type FieldIssue } from '../../common/errors';
import { parseOrThrow } from '../../common/validate';
import type { TopologyIndex } from '../../inventory/topology-index';
import type { Machine, Persona, StorageArray } from '../../inventory/topology-schema';
import { vmSpecSchema, type VmSpec } from './vm-spec';

/**
 * Where an initiator logs in to reach a LUN: the storage layer's layout (drivers/storage's
 * iscsiLunAddress fits).
 */
export type IscsiLunLocator = (
  array: StorageArray,
  lunId: string,
) => {
  readonly portalAddress: string;
  readonly portalPort: number;
  readonly targetIqn: string;
  readonly lun: number;
};

/**
 * Persona-side reasons a persona cannot become a VM on this host; each names the offending field.
 */
function fitIssues(persona: Persona, host: Machine): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (!persona.vmAllowed)
    issues.push({
      path: 'persona.vmAllowed',
      message: `persona "${persona.name}" may not run as a VM`,
    });
  if (host.hypervisor === undefined)
    issues.push({
      path: 'host.hypervisor',
      message: `machine "${host.id}" has no hypervisor endpoint`,
    });
  if (persona.requirements.arch !== host.arch) {
    issues.push({
      path: 'persona.requirements.arch',
      message: `persona needs ${persona.requirements.arch}, host "${host.id}" is ${host.arch}`,
    });
  }
  persona.networks.forEach((nic, i) => {
    // The MAC is the persona's identity on the network (DHCP, boot assignments); a VM must keep it.
    if (nic.mac === undefined)
      issues.push({
        path: `persona.networks[${i}].mac`,
        message: 'a persona that runs as a VM needs a MAC for every NIC',
      });
  });
  if (persona.luns.length > 0 && host.storage.iqn === undefined) {
    issues.push({
      path: 'host.storage.iqn',
      message: `host "${host.id}" has no iSCSI initiator to reach the persona's LUNs`,
    });
  }
  return issues;
}

/**
 * The VM that runs `persona` on hypervisor host `host`: the persona's name, requirements and
 * MACs; a NIC per persona NIC on the host's trunk bridge carrying that NIC's VLANs; the
 * persona's LUNs reached through the host's initiator. Throws ValidationError naming the field.
 */
export function personaVmSpec(
  persona: Persona,
  host: Machine,
  topology: TopologyIndex,
  locateLun: IscsiLunLocator,
): VmSpec {
  const issues = fitIssues(persona, host);
  const what = `VM for persona "${persona.name}" on host "${host.id}"`;
  if (issues.length > 0 || host.hypervisor === undefined) throw new ValidationError(what, issues);
  const bridge = host.hypervisor.bridge;
  const initiatorIqn = host.storage.iqn;
  return parseOrThrow(what, vmSpecSchema, {
    name: persona.name,
    arch: persona.requirements.arch,
    vcpus: persona.requirements.cores,
    memoryGiB: persona.requirements.memoryGiB,
    nics: persona.networks.map((nic) => ({
      mac: nic.mac,
      bridge,
      vlans: nic.networks.map((n) => topology.network(n).vlan),
    })),
    disks: persona.luns.map((ref) => {
      const at = locateLun(topology.array(ref.array), ref.lun);
      return {
        targetIqn: at.targetIqn,
        lun: at.lun,
        portal: { address: at.portalAddress, port: at.portalPort },
        initiatorIqn,
        boot: ref.boot,
      };
    }),
  });
}
