import {
  drillPlacementPlan,
  type DrillPlacementPlan,
} from '../../domain/drill/drill-placement-plan';
import type { BootLedger } from '../support/boot-ledger';
import { probe } from '../../drivers/health/health-probe';
import type { StorageArrayDriver } from '../../drivers/storage/lun-access-driver';
import type { SshSwitchDriver } from '../../drivers/switch/ssh-switch-driver';
import type { TopologyIndex } from '../../inventory/topology-index';
import type { HealthCheck } from '../../inventory/topology-schema';
import type { Lab } from '../../lab/lab';
import type { LabBootResult } from '../../lab/lab-machine';
import {
  bootMachine,
  healthCheckOf,
  powerOff,
  startBootLab,
  type BootLab,
} from '../support/boot-lab';
import { drillTag } from '../../domain/drill/drill-names';

jest.setTimeout(60_000);

const RUN = 'dr-drill/lab-drill-boot';
const TAG = drillTag(RUN);
const DRILL_HOST = '127.0.0.2';
const BUBBLE = [
  { network: 'prod-web', vlan: 3110 },
  { network: 'prod-db', vlan: 3120 },
  { network: 'storage', vlan: 3200 },
];
const M3 = 'iqn.2026-11.lab.rackshift:m-r1-03';
const M4 = 'iqn.2026-11.lab.rackshift:m-r1-04';

let bootLab: BootLab;
let index: TopologyIndex;
let lab: Lab;
let sw1: SshSwitchDriver;
let array: StorageArrayDriver;
let store: BootLedger;

beforeAll(async () => {
  bootLab = await startBootLab('rackshift-lab-drill-');
  ({ index, lab, array, store } = bootLab);
  sw1 = bootLab.switch('sw-r1');
});

afterAll(async () => {
  await bootLab?.stop();
});

const boot = (machineId: string, device?: 'pxe' | 'disk'): Promise<LabBootResult> =>
  bootMachine(lab.machine(machineId), device);

const health = (persona: string, host?: string): HealthCheck => healthCheckOf(index, persona, host);

/**
 * What the drill runbook does before it powers the copy on: clones, ports, boot assignment (masks
 * are left to each test).
 */
async function prepareDrillCopy(persona: string, machine: string): Promise<DrillPlacementPlan> {
  const plan = drillPlacementPlan(index, {
    persona,
    machine,
    run: RUN,
    bubble: BUBBLE,
    tag: TAG,
    healthHost: DRILL_HOST,
  });
  for (const l of plan.luns)
    expect(await array.createSnapshotClone(l.cloneOf, l.lun)).toEqual({ created: true });
  for (const p of plan.ports) await sw1.configurePort(p.port, p.desired);
  const { image, drill } = plan;
  for (const mac of plan.macs) await store.set({ mac, machine, persona, image, drill });
  return plan;
}

describe('a lab machine that boots a DR drill copy', () => {
  let db: DrillPlacementPlan;

  beforeAll(async () => {
    // Production db-01 runs at home (m-r1-01) on 127.0.0.1 through the whole suite.
    await store.set({
      mac: index.machine('m-r1-01').nics[0]?.mac ?? '',
      persona: 'db-01',
      image: 'rhel-9-san',
      machine: 'm-r1-01',
    });
    expect(await boot('m-r1-01')).toMatchObject({ healthy: true, persona: 'db-01' });
    db = await prepareDrillCopy('db-01', 'm-r1-03');
  });

  it('clones made through the array driver are LUNs the lab SAN view knows the source of', async () => {
    expect(lab.sanView?.lunExists('array-1', `db-01-boot.drill-${TAG}`)).toBe(true);
    expect(lab.sanView?.cloneSource('array-1', `db-01-boot.drill-${TAG}`)).toBe('db-01-boot');
    expect(lab.sanView?.cloneSource('array-1', `db-01-data.drill-${TAG}`)).toBe('db-01-data');
    expect(lab.sanView?.cloneSource('array-1', 'db-01-boot')).toBeUndefined();
    const state = (await (await fetch(`${lab.controlUrl}/lab/state`)).json()) as Record<
      string,
      any
    >;
    expect(state.arrays['array-1'].luns[`db-01-boot.drill-${TAG}`]).toMatchObject({
      cloneOf: 'db-01-boot',
      initiators: [],
    });
    expect(state.arrays['array-1'].luns['db-01-boot'].cloneOf).toBeUndefined();
  });

  it('stays down while its clones are not masked to it, naming each clone', async () => {
    const result = await boot('m-r1-03');
    expect(result).toMatchObject({ healthy: false, persona: 'db-01' });
    expect(result.reason).toBe(
      [
        `clone db-01-boot.drill-${TAG} of LUN db-01-boot on array-1 is not masked to ${M3}`,
        `clone db-01-data.drill-${TAG} of LUN db-01-data on array-1 is not masked to ${M3}`,
      ].join('; '),
    );
  });

  it('stays down when its ports carry production VLANs instead of the bubble, naming each production VLAN', async () => {
    for (const l of db.luns) await array.mask(l.lun, M3);
    await sw1.setAccessVlan('GigabitEthernet1/0/3', 120);
    await sw1.setAccessVlan('GigabitEthernet1/0/13', 200);
    const result = await boot('m-r1-03');
    expect(result.healthy).toBe(false);
    expect(result.reason).toBe(
      [
        'VLAN 3120 (bubble of prod-db) missing on sw-r1 port GigabitEthernet1/0/3 (eth0): it needs access VLAN 3120, the port is access VLAN 120',
        'VLAN 3200 (bubble of storage) missing on sw-r1 port GigabitEthernet1/0/13 (eth1): it needs access VLAN 3200, the port is access VLAN 200',
        'production VLAN 120 (prod-db) reaches the drill copy on sw-r1 port GigabitEthernet1/0/3 (eth0)',
        'production VLAN 200 (storage) reaches the drill copy on sw-r1 port GigabitEthernet1/0/13 (eth1)',
      ].join('; '),
    );
  });

  it('comes up with bubble VLANs and masked clones, answering on the drill health host beside production', async () => {
    for (const p of db.ports) await sw1.configurePort(p.port, p.desired);
    expect(await boot('m-r1-03')).toMatchObject({ healthy: true, persona: 'db-01' });
    const copy = await probe(health('db-01', DRILL_HOST));
    expect(copy).toMatchObject({
      healthy: true,
      detail: expect.stringMatching(/HTTP 200 .*: db-01$/),
    });
    expect((await probe(health('db-01'))).healthy).toBe(true);
    expect(lab.machine('m-r1-01').powerState).toBe('on');

    // The 127.0.0.1 answer was production's: with production off, only the copy answers.
    await powerOff(lab.machine('m-r1-01'));
    expect((await probe(health('db-01'), { timeoutMs: 1_000 })).healthy).toBe(false);
    expect((await probe(health('db-01', DRILL_HOST))).healthy).toBe(true);
    await powerOff(lab.machine('m-r1-03'));
    expect((await probe(health('db-01', DRILL_HOST), { timeoutMs: 1_000 })).healthy).toBe(false);
  });

  it('a kernel-booted copy: persona from the kernel arguments; the production LUN and production VLANs on unused NICs are problems', async () => {
    const web = await prepareDrillCopy('web-02', 'm-r1-04');
    await array.mask(`web-02-boot.drill-${TAG}`, M4);
    await array.mask('web-02-boot', M4);
    await sw1.configurePort('GigabitEthernet1/0/14', {
      mode: 'access',
      accessVlan: 110,
      shutdown: false,
    });
    const result = await boot('m-r1-04');
    expect(result).toMatchObject({ healthy: false, persona: 'web-02' });
    expect(result.reason).toBe(
      [
        'production VLAN 110 (prod-web) reaches the drill copy on sw-r1 port GigabitEthernet1/0/14 (eth1)',
        `production LUN web-02-boot on array-1 is masked to the drill copy's initiator ${M4}`,
      ].join('; '),
    );

    await array.unmask('web-02-boot', M4);
    for (const p of web.ports) await sw1.configurePort(p.port, p.desired);
    expect(await boot('m-r1-04')).toMatchObject({ healthy: true, persona: 'web-02' });
    expect((await probe(health('web-02', DRILL_HOST))).healthy).toBe(true);
    expect((await probe(health('web-02'), { timeoutMs: 1_000 })).healthy).toBe(false);
    await powerOff(lab.machine('m-r1-04'));
  });

  it('a normal boot of the same persona is unchanged: production VLANs and LUNs, on its own host', async () => {
    await store.set({
      mac: index.machine('m-r1-01').nics[0]?.mac ?? '',
      persona: 'db-01',
      image: 'rhel-9-san',
      machine: 'm-r1-01',
    });
    expect(await boot('m-r1-01')).toMatchObject({ healthy: true, persona: 'db-01' });
    expect((await probe(health('db-01'))).healthy).toBe(true);
    expect((await probe(health('db-01', DRILL_HOST), { timeoutMs: 1_000 })).healthy).toBe(false);
    await powerOff(lab.machine('m-r1-01'));
  });
});
