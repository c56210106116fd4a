import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { createBootRouter } from '../../api/routes/boot';
import { StaticSecretStore } from '../../common/secrets';
import { probe } from '../../drivers/health/health-probe';
import { LibvirtSshDriver } from '../../drivers/hypervisor/libvirt-ssh';
import { personaVmSpec } from '../../drivers/hypervisor/persona-vm-spec';
import { Ssh2Connector } from '../../drivers/ssh/ssh2-connector';
import { createArrayDriver } from '../../drivers/storage/create-array-driver';
import { iscsiLunAddress } from '../../drivers/storage/lun-target';
import { SshSwitchDriver } from '../../drivers/switch/ssh-switch-driver';
import { TopologyIndex } from '../../inventory/topology-index';
import type { HealthCheck } from '../../inventory/topology-schema';
import { answerChassisControl } from '../../lab/bmc/ipmi-chassis-control';
import type { LabHypervisors } from '../../lab/hypervisor/start-lab-hypervisors';
import type { Lab } from '../../lab/lab';
import { LAB_STATE_FILE } from '../../lab/lab-state-file';
import { resetLab } from '../../lab/reset-lab';
import { startLab } from '../../lab/start-lab';
import { serve } from '../support/api-server';
import { bootMachine } from '../support/boot-lab';
import { BootLedger } from '../support/boot-ledger';
import { labHardwareState } from '../support/lab-snapshot';
import { FAST_TIMING } from '../support/lab-fixtures';
import { relocatedTopology } from '../support/relocated-topology';

jest.setTimeout(120_000);

const HOST = 'm-r2-03';
const HOST_IQN = 'iqn.2026-11.lab.rackshift:m-r2-03';
const WEB_HOME_IQN = 'iqn.2026-11.lab.rackshift:m-r2-01';

/**
 * The lab is a data center: stopping its process and starting it again on the same data folder
 * finds every machine, switch, array, VM and fault as it was, changed here only through
 * rackshift's own drivers (switch, array and libvirt over SSH) and the BMC's machine.
 */
describe('the lab keeps its state across a restart on the same data folder', () => {
  let index: TopologyIndex;
  let dir: string;
  let store: BootLedger;
  let api: Awaited<ReturnType<typeof serve>>;
  let lab: Lab | undefined;

  beforeAll(async () => {
    index = new TopologyIndex((await relocatedTopology()).topology);
    dir = await mkdtemp(join(tmpdir(), 'rackshift-lab-restart-'));
    store = new BootLedger(index);
    const app = express();
    app.use(createBootRouter({ topology: index, assignments: store, allowFrom: ['127.0.0.1'] }));
    api = await serve(app);
  });

  afterAll(async () => {
    await lab?.stop();
    await api?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const start = (): Promise<Lab> =>
    startLab({
      topology: index.topology,
      dataDir: join(dir, 'lab'),
      timing: FAST_TIMING,
      apiBaseUrl: api.url,
    });
  const health = (persona: string): HealthCheck => index.persona(persona).health as HealthCheck;
  const drivers = (l: Lab) => {
    const ssh = new Ssh2Connector(new StaticSecretStore(l.credentials), {
      commandTimeoutMs: 10_000,
      backoffInitialMs: 10,
    });
    return {
      array: createArrayDriver(index.array('array-1'), ssh),
      sw1: new SshSwitchDriver(index.switch('sw-r1'), ssh, { commandTimeoutMs: 10_000 }),
      sw2: new SshSwitchDriver(index.switch('sw-r2'), ssh, { commandTimeoutMs: 10_000 }),
      hv: new LibvirtSshDriver(index.machine(HOST), ssh, { commandTimeoutMs: 10_000 }),
    };
  };
  const vmState = (l: Lab) =>
    (
      l.describe() as {
        hypervisors: Record<
          string,
          { domains: Record<string, { state: string; boot: { healthy: boolean } | null }> }
        >;
      }
    ).hypervisors[HOST]?.domains;

  it('power, boot devices, switch ports, LUN masks, a running host with its VM, and a burned rack come back; a reset brings the first state back', async () => {
    const first = await start();
    lab = first;
    const firstState = labHardwareState(first);
    const d = drivers(first);

    // A hypervisor host booted for real: its image assigned, its LUN masked, its trunks configured.
    await store.set({
      mac: index.machine(HOST).nics[0]!.mac,
      machine: HOST,
      persona: 'cluster-a',
      image: 'kvm-host',
    });
    await d.array.mask('vmstore-1', HOST_IQN);
    await d.sw2.setTrunkVlans('ge-0/0/3', [110, 130, 200, 300, 400]);
    await d.sw2.setTrunkVlans('ge-0/0/13', [110, 130, 200, 300, 400]);
    expect(await bootMachine(first.machine(HOST))).toMatchObject({
      healthy: true,
      persona: 'cluster-a',
    });

    // web-01 moved onto it as a VM (SAN mode): its boot LUN re-pointed, the VM defined and started.
    await d.array.unmask('web-01-boot', WEB_HOME_IQN);
    await d.array.mask('web-01-boot', HOST_IQN);
    await d.hv.define(
      personaVmSpec(index.persona('web-01'), index.machine(HOST), index, iscsiLunAddress),
    );
    const vm = (first.components.find((c) => c.kind === 'hypervisors') as LabHypervisors)
      .host(HOST)
      .vm('web-01')!;
    const vmBooted = once(vm, 'boot');
    await d.hv.start('web-01');
    expect((await vmBooted)[0]).toEqual({ healthy: true });

    // An IPMI machine on (from disk), a persistent UEFI override elsewhere, a port re-VLANed, a
    // rack on fire.
    const on = once(first.machine('m-r2-02'), 'boot');
    first.machine('m-r2-02').powerOn();
    await on;
    first.machine('m-r2-04').setBootDevice({ device: 'pxe', persistent: true, uefi: true });
    await d.sw1.setAccessVlan('GigabitEthernet1/0/4', 400);
    const burned = first.burnRack('r1');
    await d.array.close();
    await d.sw1.close();
    await d.sw2.close();

    const before = labHardwareState(first);
    expect(before).not.toEqual(firstState);
    // The host's assignment changes while the lab is down: a running OS does not fetch its script
    // again.
    await store.delete(index.machine(HOST).nics[0]!.mac);
    await first.stop();
    lab = undefined;
    expect(existsSync(join(dir, 'lab', LAB_STATE_FILE))).toBe(true);

    const second = await start();
    lab = second;
    expect(labHardwareState(second)).toEqual(before);
    expect(second.machine(HOST).bootResult).toMatchObject({ healthy: true, persona: 'cluster-a' });
    // The host's libvirt answers again, with its VM defined.
    expect(await drivers(second).hv.list()).toContain('web-01');
    for (let i = 0; i < 50 && vmState(second)?.['web-01']?.boot === null; i += 1)
      await new Promise((r) => setTimeout(r, 100));
    expect(vmState(second)?.['web-01']).toMatchObject({
      state: 'running',
      boot: { healthy: true },
    });
    expect((await probe(health('web-01'), { timeoutMs: 2_000 })).healthy).toBe(true);
    expect(answerChassisControl(second.machine('m-r2-02'), ['get', 'power'])).toBe('power:1\n');
    expect(second.machine('m-r2-04').bootOverride).toEqual({
      device: 'pxe',
      persistent: true,
      uefi: true,
    });
    expect(burned.map((m) => [m, second.machine(m).dark, second.machine(m).powerState])).toEqual(
      burned.map((m) => [m, true, 'off']),
    );
    const again = drivers(second);
    expect(await again.sw1.readPort('GigabitEthernet1/0/4')).toMatchObject({
      mode: 'access',
      accessVlan: 400,
    });
    expect(await again.array.listHolders('web-01-boot')).toEqual([HOST_IQN]);
    await again.array.close();
    await again.sw1.close();
    await again.sw2.close();

    await second.stop();
    lab = undefined;
    expect(resetLab(join(dir, 'lab'))).toEqual({ labDir: join(dir, 'lab'), hadState: true });
    const third = await start();
    lab = third;
    expect(labHardwareState(third)).toEqual(firstState);
    expect(third.machine('m-r1-01').dark).toBe(false);
    expect(third.machine('m-r2-04').bootOverride).toEqual({
      device: 'disk',
      persistent: true,
      uefi: false,
    });
    expect(vmState(third)).toEqual({});
    expect(JSON.parse(readFileSync(join(dir, 'lab', LAB_STATE_FILE), 'utf8'))).toMatchObject({
      version: 1,
    });
  });
});
