import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StaticSecretStore } from '../../common/secrets';
import { probe } from '../../drivers/health/health-probe';
import { HypervisorCommandError } from '../../drivers/hypervisor/hypervisor-errors';
import { LibvirtSshDriver } from '../../drivers/hypervisor/libvirt-ssh';
import { personaVmSpec } from '../../drivers/hypervisor/persona-vm-spec';
import { Ssh2Connector } from '../../drivers/ssh/ssh2-connector';
import { createArrayDriver } from '../../drivers/storage/create-array-driver';
import type { StorageArrayDriver } from '../../drivers/storage/lun-access-driver';
import { iscsiLunAddress } from '../../drivers/storage/lun-target';
import { LunMaskConflictError } from '../../drivers/storage/storage-errors';
import { SshSwitchDriver } from '../../drivers/switch/ssh-switch-driver';
import { TopologyIndex } from '../../inventory/topology-index';
import type { HealthCheck } from '../../inventory/topology-schema';
import {
  startLabHypervisors,
  type LabHypervisors,
} from '../../lab/hypervisor/start-lab-hypervisors';
import { Lab } from '../../lab/lab';
import { startLabArrays } from '../../lab/san/start-lab-arrays';
import { startLabSwitches } from '../../lab/switch/start-lab-switches';
import { FAST_TIMING } from '../support/lab-fixtures';
import { relocatedTopology } from '../support/relocated-topology';

jest.setTimeout(60_000);

/**
 * A persona moved onto a lab hypervisor in SAN mode with nothing but rackshift's own
 * drivers over SSH: the tgt driver re-points its boot LUN from its home machine to the
 * host's initiator, the Junos driver trunks its VLAN to the host's port, the libvirt driver
 * defines and starts the VM; the lab's real switch and array decide whether it comes up.
 */
describe('a persona VM on the lab hypervisor, with the lab switches and arrays', () => {
  const HOME_IQN = 'iqn.2026-11.lab.rackshift:m-r2-01';
  const HOST_IQN = 'iqn.2026-11.lab.rackshift:m-r2-03';
  let dataDir: string;
  let lab: Lab;
  let index: TopologyIndex;
  let array: StorageArrayDriver;
  let sw: SshSwitchDriver;
  let hypervisor: LibvirtSshDriver;
  let health: HealthCheck;

  beforeAll(async () => {
    index = new TopologyIndex((await relocatedTopology()).topology);
    dataDir = await mkdtemp(join(tmpdir(), 'rackshift-lab-hv-peers-'));
    lab = await Lab.start({ topology: index.topology, dataDir, timing: FAST_TIMING }, [
      startLabSwitches,
      startLabArrays,
      startLabHypervisors,
    ]);
    const connector = new Ssh2Connector(new StaticSecretStore(lab.credentials), {
      commandTimeoutMs: 10_000,
      backoffInitialMs: 10,
    });
    array = createArrayDriver(index.array('array-1'), connector);
    sw = new SshSwitchDriver(index.switch('sw-r2'), connector, { commandTimeoutMs: 10_000 });
    hypervisor = new LibvirtSshDriver(index.machine('m-r2-03'), connector, {
      commandTimeoutMs: 10_000,
    });
    const check = index.persona('web-01').health;
    if (check === undefined) throw new Error('web-01 has no health check');
    health = check;
    const host = lab.machine('m-r2-03');
    host.setBootSequence(async () => ({ healthy: true, persona: 'cluster-a' }));
    const booted = once(host, 'boot');
    host.powerOn();
    await booted;
  });

  afterAll(async () => {
    await sw?.close();
    await array?.close();
    await lab?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function startAndBoot(): Promise<unknown> {
    const vm = (lab.components.find((c) => c.kind === 'hypervisors') as LabHypervisors)
      .host('m-r2-03')
      .vm('web-01');
    if (vm === undefined) throw new Error('web-01 is not defined');
    const booted = once(vm, 'boot');
    await hypervisor.start('web-01');
    return (await booted)[0];
  }

  it('comes up only once its boot LUN is re-pointed to the host and its VLAN is trunked to the host port', async () => {
    await hypervisor.define(
      personaVmSpec(index.persona('web-01'), index.machine('m-r2-03'), index, iscsiLunAddress),
    );

    const refused = await hypervisor.start('web-01').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(HypervisorCommandError);
    expect((refused as HypervisorCommandError).output).toContain(
      `LUN web-01-boot of array-1 is not masked to ${HOST_IQN}`,
    );

    // The boot LUN still belongs to web-01's home machine; an unshared LUN has one holder.
    await expect(array.mask('web-01-boot', HOST_IQN)).rejects.toBeInstanceOf(LunMaskConflictError);
    await array.unmask('web-01-boot', HOME_IQN);
    await array.mask('web-01-boot', HOST_IQN);

    await expect(startAndBoot()).resolves.toEqual({
      healthy: false,
      reason: expect.stringContaining('VLAN 110 of NIC 52:54:00:aa:00:01 is not trunked'),
    });
    expect((await probe(health, { timeoutMs: 2_000 })).healthy).toBe(false);

    await sw.setTrunkVlans('ge-0/0/3', [110]);
    await hypervisor.destroy('web-01');
    await expect(startAndBoot()).resolves.toEqual({ healthy: true });
    const up = await probe(health, { timeoutMs: 2_000 });
    expect(up).toMatchObject({ healthy: true });
    expect(up.detail).toContain('200');
  });
});
