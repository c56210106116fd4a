import { ValidationError } from '../../common/errors';
import type { DrillBoot } from '../../inventory/ledger-records';
import type { TopologyIndex } from '../../inventory/topology-index';
import type { Persona } from '../../inventory/topology-schema';
import { iscsiLunAddress } from '../storage/lun-target';
import type { BootAssignment } from './boot-assignment-store';
import type { BootPlan } from './ipxe-script';

/**
 * The clone standing in for each of the persona's LUNs, by `<array> <lun>`; throws when one has
 * none (a drill copy never uses production LUNs).
 */
function clonesFor(persona: Persona, drill: DrillBoot): ReadonlyMap<string, string> {
  const clones = new Map(drill.luns.map((l) => [`${l.array} ${l.lun}`, l.clone]));
  const missing = persona.luns.filter((l) => !clones.has(`${l.array} ${l.lun}`));
  if (missing.length > 0) {
    throw new ValidationError(
      'boot assignment',
      missing.map((l) => ({
        path: 'drill.luns',
        message: `no clone of LUN ${l.lun} on ${l.array}: a drill copy never uses production LUNs`,
      })),
    );
  }
  return clones;
}

/**
 * Resolves an assignment against the topology; throws NotFoundError or ValidationError naming
 * what is missing. A drill copy boots its boot LUN's clone instead of the production LUN.
 */
export function bootPlanFor(topology: TopologyIndex, assignment: BootAssignment): BootPlan {
  const machine = topology.machine(assignment.machine);
  // At another site: the site's boot server, and the boot LUN's replica there.
  const site = topology.machineSite(machine.id).name;
  const persona = topology.personaAt(
    topology.bootSubject(assignment.persona, assignment.machine),
    site,
  );
  const image = topology.bootImageAt(assignment.image, site);
  const ids = { persona: persona.name, machine: machine.id, image: image.name };
  const drill = assignment.drill;
  const clones = drill === undefined ? undefined : clonesFor(persona, drill);
  const asDrill = drill === undefined ? {} : { drill };
  switch (image.kind) {
    case 'pxe':
    case 'hypervisor':
      return {
        kind: image.kind,
        ...ids,
        kernel: image.kernel,
        ...(image.initrd !== undefined && { initrd: image.initrd }),
        cmdline: image.cmdline,
        ...asDrill,
      };
    case 'san': {
      if (image.protocol === 'fc') {
        if (drill !== undefined)
          throw new ValidationError('boot assignment', [
            {
              path: 'drill',
              message: `image ${image.name} boots from FC through the HBA boot ROM, which iPXE cannot point at a drill clone`,
            },
          ]);
        return { kind: 'san-fc', ...ids };
      }
      const bootLun = persona.luns.find((l) => l.boot);
      if (bootLun === undefined)
        throw new ValidationError('boot assignment', [
          {
            path: 'persona',
            message: `persona ${persona.name} boots from SAN but has no LUN marked boot: true`,
          },
        ]);
      const initiatorIqn = machine.storage.iqn;
      if (initiatorIqn === undefined)
        throw new ValidationError('boot assignment', [
          {
            path: 'machine',
            message: `machine ${machine.id} has no iSCSI initiator name (storage.iqn) to boot from SAN with`,
          },
        ]);
      const lun = clones?.get(`${bootLun.array} ${bootLun.lun}`) ?? bootLun.lun;
      return {
        kind: 'san-iscsi',
        ...ids,
        initiatorIqn,
        lun: iscsiLunAddress(topology.array(bootLun.array), lun),
        ...asDrill,
      };
    }
  }
}
