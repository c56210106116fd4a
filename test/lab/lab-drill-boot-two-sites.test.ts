import { join } from 'node:path';
import {
  drillPlacementPlan,
  type DrillPlacementPlan,
} from '../../domain/drill/drill-placement-plan';
import { drillTag } from '../../domain/drill/drill-names';
import { probe } from '../../drivers/health/health-probe';
import type { LabBootResult } from '../../lab/lab-machine';
import type { LabArraysComponent } from '../../lab/san/start-lab-arrays';
import {
  bootMachine,
  healthCheckOf,
  powerOff,
  startBootLab,
  type BootLab,
} from '../support/boot-lab';
import { ROOT } from '../support/lab-fixtures';

jest.setTimeout(60_000);

const TWO_SITES = join(ROOT, 'examples', 'two-sites.yaml');
const RUN = 'dr-drill/lab-drill-boot-two-sites';
const TAG = drillTag(RUN);
const DRILL_HOST = '127.0.0.2';
/** The bubble by the drill networks' own ids; site-b has ids of its own for them (36xx, 3700). */
const BUBBLE = [
  { network: 'prod-web', vlan: 3110 },
  { network: 'prod-db', vlan: 3120 },
  { network: 'storage', vlan: 3200 },
];
const M_B1 = 'iqn.2026-11.lab.rackshift:m-b1-01';

let bootLab: BootLab;
let plan: DrillPlacementPlan;

beforeAll(async () => {
  bootLab = await startBootLab('rackshift-lab-drill-two-sites-', {
    source: TWO_SITES,
    array: 'array-b',
  });
});

afterAll(async () => {
  await bootLab?.stop();
});

const boot = (machine: string): Promise<LabBootResult> => bootMachine(bootLab.lab.machine(machine));
const arrays = () => bootLab.lab.components.find((c) => c.kind === 'arrays') as LabArraysComponent;
const arrayB = () => arrays().array('array-b');

describe('a drill copy of a site-a persona on a site-b machine (examples/two-sites.yaml)', () => {
  it("plans the copy on snapshots of site-b's replicas, with site-b's ids of the bubble", () => {
    plan = drillPlacementPlan(bootLab.index, {
      persona: 'db-01',
      machine: 'm-b1-01',
      run: RUN,
      bubble: BUBBLE,
      tag: TAG,
      healthHost: DRILL_HOST,
    });
    expect(plan.luns).toEqual([
      {
        array: 'array-b',
        lun: `db-01-boot-r.drill-${TAG}`,
        boot: true,
        cloneOf: 'db-01-boot-r',
        replicaOf: { array: 'array-a', lun: 'db-01-boot' },
      },
      {
        array: 'array-b',
        lun: `db-01-data-r.drill-${TAG}`,
        boot: false,
        cloneOf: 'db-01-data-r',
        replicaOf: { array: 'array-a', lun: 'db-01-data' },
      },
    ]);
    expect(plan.ports.map((p) => [p.switchId, p.port, p.desired])).toEqual([
      ['sw-b1', 'ge-0/0/1', { mode: 'access', accessVlan: 3620, shutdown: false }],
      ['sw-b1', 'ge-0/0/11', { mode: 'access', accessVlan: 3700, shutdown: false }],
    ]);
    expect(plan.drill.bubble).toEqual([
      { network: 'prod-db', vlan: 3620 },
      { network: 'storage', vlan: 3700 },
    ]);
    expect(plan.drill.luns).toEqual([
      { array: 'array-b', lun: 'db-01-boot-r', clone: `db-01-boot-r.drill-${TAG}` },
      { array: 'array-b', lun: 'db-01-data-r', clone: `db-01-data-r.drill-${TAG}` },
    ]);
  });

  it("stays down while site-b's production VLAN reaches it, naming it by site-b's id", async () => {
    const { array, store } = bootLab;
    for (const l of plan.luns) {
      const taken = await array.snapshotReplica(l.cloneOf, l.lun);
      expect([taken.created, taken.status.role]).toEqual([true, 'secondary']);
      await array.mask(l.lun, M_B1);
    }
    const sw = bootLab.switch('sw-b1');
    for (const p of plan.ports) await sw.configurePort(p.port, p.desired);
    for (const mac of plan.macs)
      await store.set({
        mac,
        machine: 'm-b1-01',
        persona: 'db-01',
        image: plan.image,
        drill: plan.drill,
      });
    await sw.setAccessVlan('ge-0/0/1', 1120);
    const result = await boot('m-b1-01');
    expect(result).toMatchObject({ healthy: false, persona: 'db-01' });
    expect(result.reason).toBe(
      [
        'VLAN 3620 (bubble of prod-db) missing on sw-b1 port ge-0/0/1 (eth0): it needs access VLAN 3620, the port is access VLAN 1120',
        'production VLAN 1120 (prod-db) reaches the drill copy on sw-b1 port ge-0/0/1 (eth0)',
      ].join('; '),
    );
  });

  it('comes up from the replica snapshots in the bubble; the replicas stay read-only and keep syncing', async () => {
    const sw = bootLab.switch('sw-b1');
    for (const p of plan.ports) await sw.configurePort(p.port, p.desired);
    expect(await boot('m-b1-01')).toMatchObject({ healthy: true, persona: 'db-01' });
    expect((await probe(healthCheckOf(bootLab.index, 'db-01', DRILL_HOST))).healthy).toBe(true);
    expect(bootLab.lab.sanView?.lunsVisibleTo('array-b', M_B1)).toEqual(
      plan.luns.map((l) => l.lun),
    );
    expect((await bootLab.array.replicationStatus('db-01-boot-r')).role).toBe('secondary');
    // Production writes at site-a while the copy runs: the replica follows, the snapshot does not.
    const arrayA = arrays().array('array-a');
    const snapshotAt = arrayB().generation(plan.luns[0]!.lun);
    expect(arrayA.write('db-01-boot')).toBeUndefined();
    expect(arrayB().generation('db-01-boot-r')).toBe(arrayA.generation('db-01-boot'));
    expect(arrayB().generation('db-01-boot-r')).toBe(snapshotAt + 1);
    expect(arrayB().generation(plan.luns[0]!.lun)).toBe(snapshotAt);
    await powerOff(bootLab.lab.machine('m-b1-01'));
    for (const l of plan.luns) {
      await bootLab.array.unmask(l.lun, M_B1);
      expect(await bootLab.array.deleteReplicaSnapshot(l.lun)).toEqual({ deleted: true });
      expect(arrayB().lunExists(l.lun)).toBe(false);
    }
  });
});
