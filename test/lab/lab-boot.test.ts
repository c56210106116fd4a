import type { BootLedger } from '../support/boot-ledger';
import { probe } from '../../drivers/health/health-probe';
import type { StorageArrayDriver } from '../../drivers/storage/lun-access-driver';
import type { TopologyIndex } from '../../inventory/topology-index';
import type { HealthCheck } from '../../inventory/topology-schema';
import type { SshSwitchDriver } from '../../drivers/switch/ssh-switch-driver';
import type { Lab } from '../../lab/lab';
import type { LabBootResult } from '../../lab/lab-machine';
import {
  bootMachine,
  healthCheckOf,
  powerOff,
  startBootLab,
  type BootLab,
} from '../support/boot-lab';

jest.setTimeout(60_000);

let bootLab: BootLab;
let index: TopologyIndex;
let lab: Lab;
let sw1: SshSwitchDriver;
let sw2: SshSwitchDriver;
let array: StorageArrayDriver;
let store: BootLedger;

beforeAll(async () => {
  bootLab = await startBootLab('rackshift-lab-boot-');
  ({ index, lab, array, store } = bootLab);
  sw1 = bootLab.switch('sw-r1');
  sw2 = bootLab.switch('sw-r2');
});

afterAll(async () => {
  await bootLab?.stop();
});

const boot = (machineId: string, device?: 'pxe' | 'disk'): Promise<LabBootResult> =>
  bootMachine(lab.machine(machineId), device);

const health = (persona: string, host?: string): HealthCheck => healthCheckOf(index, persona, host);

async function assign(persona: string, image: string, machine: string): Promise<void> {
  await store.set({ mac: index.machine(machine).nics[0]?.mac ?? '', persona, image, machine });
}

describe('a lab machine that boots', () => {
  beforeAll(async () => {
    // db-01's home is m-r1-01: the lab starts with its ports on its VLANs and its LUNs masked
    // there.
    await assign('db-01', 'rhel-9-san', 'm-r1-01');
  });

  it('comes up healthy from SAN with the right VLANs and masks, answering its health check until powered off', async () => {
    expect(await array.listVisibleTo('iqn.2026-11.lab.rackshift:m-r1-01')).toEqual([
      'db-01-boot',
      'db-01-data',
    ]);
    expect(await sw1.readPort('GigabitEthernet1/0/11')).toMatchObject({
      mode: 'access',
      accessVlan: 200,
    });
    expect(await boot('m-r1-01')).toMatchObject({ healthy: true, persona: 'db-01' });
    const up = await probe(health('db-01'));
    expect(up).toMatchObject({
      healthy: true,
      detail: expect.stringMatching(/HTTP 200 .*: db-01$/),
    });

    await powerOff(lab.machine('m-r1-01'));
    expect((await probe(health('db-01'), { timeoutMs: 1_000 })).healthy).toBe(false);
  });

  it('stays down when one VLAN is missing, naming the VLAN and the port', async () => {
    await sw1.setAccessVlan('GigabitEthernet1/0/11', 300);
    const result = await boot('m-r1-01');
    expect(result.healthy).toBe(false);
    expect(result.reason).toBe(
      'VLAN 200 (storage) missing on sw-r1 port GigabitEthernet1/0/11 (eth1): it needs access VLAN 200, the port is access VLAN 300',
    );
    expect((await probe(health('db-01'), { timeoutMs: 1_000 })).healthy).toBe(false);
    await sw1.setAccessVlan('GigabitEthernet1/0/11', 200);
  });

  it('stays down when one LUN is unmasked, naming the LUN and the initiator', async () => {
    await array.unmask('db-01-data', 'iqn.2026-11.lab.rackshift:m-r1-01');
    const result = await boot('m-r1-01');
    expect(result).toMatchObject({ healthy: false, persona: 'db-01' });
    expect(result.reason).toBe(
      'LUN db-01-data on array-1 is not masked to iqn.2026-11.lab.rackshift:m-r1-01',
    );
    await array.mask('db-01-data', 'iqn.2026-11.lab.rackshift:m-r1-01');
    expect(await boot('m-r1-01')).toMatchObject({ healthy: true });
    await powerOff(lab.machine('m-r1-01'));
  });

  it('boots a PXE image on a spare once its VLAN and LUN are there, and not when the image is missing', async () => {
    await assign('web-02', 'ubuntu-24-pxe', 'm-r1-03');
    await sw1.setAccessVlan('GigabitEthernet1/0/3', 110);
    expect((await boot('m-r1-03')).reason).toBe(
      'LUN web-02-boot on array-1 is not masked to iqn.2026-11.lab.rackshift:m-r1-03',
    );
    await array.mask('web-02-boot', 'iqn.2026-11.lab.rackshift:m-r1-03');
    expect(await boot('m-r1-03')).toMatchObject({ healthy: true, persona: 'web-02' });
    expect((await probe(health('web-02'))).healthy).toBe(true);

    const res = await fetch(`${lab.controlUrl}/lab/images/ubuntu-24-pxe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"present": false}',
    });
    expect(res.status).toBe(200);
    expect(await boot('m-r1-03')).toMatchObject({
      healthy: false,
      reason: 'image ubuntu-24-pxe is missing from the image server',
    });
    expect((await probe(health('web-02'), { timeoutMs: 1_000 })).healthy).toBe(false);
  });

  it('boots a cluster host only with every cluster network on the trunk of each NIC, and its datastore masked', async () => {
    await assign('cluster-a', 'kvm-host', 'm-r2-03');
    await sw2.setTrunkVlans('ge-0/0/3', [110, 130, 200, 300]);
    await sw2.setTrunkVlans('ge-0/0/13', [110, 130, 200, 300, 400]);
    expect((await boot('m-r2-03')).reason).toBe(
      'VLAN 400 (batch) missing on the trunk of sw-r2 port ge-0/0/3 (eth0); LUN vmstore-1 on array-1 is not masked to iqn.2026-11.lab.rackshift:m-r2-03',
    );
    await sw2.addTrunkVlan('ge-0/0/3', 400);
    await array.mask('vmstore-1', 'iqn.2026-11.lab.rackshift:m-r2-03');
    expect(await boot('m-r2-03')).toMatchObject({ healthy: true, persona: 'cluster-a' });
    await powerOff(lab.machine('m-r2-03'));
  });

  it('falls through when its MAC has no assignment, and has no OS on disk', async () => {
    expect((await boot('m-r1-04')).reason).toBe(
      'the iPXE script for 52:54:00:00:04:00 exits to the next boot device (no boot assignment)',
    );
    expect((await boot('m-r1-04', 'disk')).reason).toMatch(/^booted from disk/);
  });

  it('shows boot results and masks in the lab state, and the array can be made slow', async () => {
    const res = await fetch(`${lab.controlUrl}/lab/arrays/array-1/latency`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"ms": 200}',
    });
    expect(res.status).toBe(200);
    expect(await array.listHolders('web-02-boot')).toEqual(['iqn.2026-11.lab.rackshift:m-r1-03']);
    const state = (await (await fetch(`${lab.controlUrl}/lab/state`)).json()) as Record<
      string,
      any
    >;
    expect(state.machines['m-r1-04'].boot.healthy).toBe(false);
    expect(state.arrays['array-1'].latencyMs).toBe(200);
    expect(state.arrays['array-1'].luns['db-01-boot'].initiators).toEqual([
      'iqn.2026-11.lab.rackshift:m-r1-01',
    ]);
    expect(state.boot.missingImages).toEqual(['ubuntu-24-pxe']);
  });
});
