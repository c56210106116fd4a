import { z } from 'zod';
import { archSchema, bridgeNameSchema } from '../../inventory/topology-schema';
import {
  hostSchema,
  idSchema,
  iqnSchema,
  macSchema,
  tcpPortSchema,
  vlanSchema,
} from '../../inventory/patterns';

/**
 * A VM name: an id that a hypervisor cannot mistake for something else. virsh looks a
 * domain up by numeric id and by UUID before it tries the name, so `virsh destroy 3` would
 * stop whatever runs as domain 3; such names are refused.
 */
export const vmNameSchema = idSchema
  .refine(
    (n) => !/^\d+$/.test(n),
    'must not be all digits (a hypervisor would read it as a domain id)',
  )
  .refine(
    (n) => !/^[0-9a-f]{32}$/.test(n.replace(/-/g, '')),
    'must not look like a UUID (a hypervisor would read it as one)',
  );

/**
 * A VM NIC on the host's VLAN trunk bridge. One VLAN: the VM sees it untagged (an access
 * port on the bridge). Several: the VM receives them tagged (a trunk port on the bridge).
 */
const vmNicSchema = z.strictObject({
  mac: macSchema,
  bridge: bridgeNameSchema,
  vlans: z.array(vlanSchema).min(1, 'a VM NIC carries at least one VLAN'),
});

/** A LUN the host's initiator logs into on the VM's behalf. */
const vmIscsiDiskSchema = z.strictObject({
  targetIqn: iqnSchema,
  lun: z.number().int().min(0).max(16383),
  portal: z.strictObject({ address: hostSchema, port: tcpPortSchema }),
  initiatorIqn: iqnSchema,
  boot: z.boolean(),
});

/**
 * What a VM is, independent of the hypervisor that runs it. Every string in it has passed a
 * pattern, so a driver may hand its values to a hypervisor (escaped for the format it speaks).
 */
export const vmSpecSchema = z
  .strictObject({
    name: vmNameSchema,
    arch: archSchema,
    vcpus: z.number().int().min(1).max(4096),
    memoryGiB: z.number().int().min(1).max(65536),
    nics: z.array(vmNicSchema),
    disks: z.array(vmIscsiDiskSchema),
  })
  .refine((s) => s.disks.filter((d) => d.boot).length <= 1, {
    message: 'at most one disk may be the boot disk',
    path: ['disks'],
  });

export type VmSpec = z.output<typeof vmSpecSchema>;
export type VmNic = z.output<typeof vmNicSchema>;
export type VmIscsiDisk = z.output<typeof vmIscsiDiskSchema>;
