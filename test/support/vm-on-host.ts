import { createHypervisorActivities } from '../../activities/hypervisor-activities';
import { createStorageActivities } from '../../activities/storage-activities';
import type { FullStack } from './full-stack';
import { personaResource } from '../../inventory/ledger-records';

/**
 * Leaves `persona` running as a VM on `host` the way p2v (san mode) would: its LUNs masked to
 * the host's initiator, the VM defined and started through the hypervisor activities, and the
 * ledger placing it there (under a short-lived test lease). The host must already run libvirt.
 */
export async function placeVmOnHost(
  stack: FullStack,
  host: string,
  persona: string,
  site = 'dc1',
): Promise<void> {
  const iqn = stack.deps.topology.machine(host).storage.iqn!;
  const luns = stack.deps.topology.persona(persona).luns;
  const storage = createStorageActivities(stack.deps);
  for (const l of luns)
    await storage.maskLuns({ array: l.array, masks: [{ lun: l.lun, initiator: iqn }] });
  const hv = createHypervisorActivities(stack.deps);
  await hv.defineVm({ host, persona });
  await hv.startVm({ host, persona });
  const holder = `test/place-${persona}`;
  await stack.ledger.acquire(site, {
    holder,
    resources: [personaResource(persona)],
    purpose: 'test setup',
  });
  await stack.ledger.place(site, { holder, persona, placement: { kind: 'vm', host } });
  await stack.ledger.release(site, { holder });
}

/**
 * What the lab's hypervisor host holds: each VM's state and whether it is defined (the lab view,
 * not rackshift's).
 */
export function labVms(
  stack: FullStack,
  host: string,
): Record<string, { state: string; persistent: boolean }> {
  const described = stack.lab.describe() as {
    hypervisors?: Record<
      string,
      { domains: Record<string, { state: string; persistent: boolean }> }
    >;
  };
  return Object.fromEntries(
    Object.entries(described.hypervisors?.[host]?.domains ?? {}).map(([name, d]) => [
      name,
      { state: d.state, persistent: d.persistent },
    ]),
  );
}
