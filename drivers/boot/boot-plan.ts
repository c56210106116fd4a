import { ValidationError } from '../../common/errors';
import type { TopologyIndex } from '../../inventory/topology-index';
import { iscsiLunAddress } from '../storage/lun-target';
import type { BootAssignment } from './boot-assignment-store';
import type { BootPlan } from './ipxe-script';

/** Resolves an assignment against the topology; throws NotFoundError or ValidationError naming what is missing. */
export function bootPlanFor(topology: TopologyIndex, assignment: BootAssignment): BootPlan {
  const persona = topology.persona(assignment.persona);
  const image = topology.bootImage(assignment.image);
  const machine = topology.machine(assignment.machine);
  const ids = { persona: persona.name, machine: machine.id, image: image.name };
  switch (image.kind) {
    case 'pxe':
    case 'hypervisor':
      return { kind: image.kind, ...ids, kernel: image.kernel, ...(image.initrd !== undefined && { initrd: image.initrd }), cmdline: image.cmdline };
    case 'san': {
      if (image.protocol === 'fc') return { kind: 'san-fc', ...ids };
      const bootLun = persona.luns.find((l) => l.boot);
      if (bootLun === undefined) throw new ValidationError('boot assignment', [{ path: 'persona', message: `persona ${persona.name} boots from SAN but has no LUN marked boot: true` }]);
      const initiatorIqn = machine.storage.iqn;
      if (initiatorIqn === undefined) throw new ValidationError('boot assignment', [{ path: 'machine', message: `machine ${machine.id} has no iSCSI initiator name (storage.iqn) to boot from SAN with` }]);
      return { kind: 'san-iscsi', ...ids, initiatorIqn, lun: iscsiLunAddress(topology.array(bootLun.array), bootLun.lun) };
    }
  }
}
