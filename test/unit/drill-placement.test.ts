import { ApplicationFailure } from '@temporalio/common';
import { drillPlacementPlan } from '../../domain/drill/drill-placement-plan';
import { createPlacementActivities } from '../../activities/placement-activities';
import { ValidationError } from '../../common/errors';
import { bootPlanFor } from '../../drivers/boot/boot-plan';
import { renderIpxeScript } from '../../drivers/boot/ipxe-script';
import { bootAssignmentSchema } from '../../inventory/ledger-records';
import { TopologyIndex } from '../../inventory/topology-index';
import { drillTag } from '../../domain/drill/drill-names';
import { labSmall, ROOT } from '../support/lab-fixtures';
import { parseTopology } from '../../inventory/load-topology';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';

let index: TopologyIndex;
beforeAll(async () => {
  index = new TopologyIndex(await labSmall());
});

const RUN = 'dr-drill/2026-q3';
const TAG = drillTag(RUN);
const BUBBLE = [
  { network: 'prod-web', vlan: 3110 },
  { network: 'prod-db', vlan: 3120 },
  { network: 'prod-app', vlan: 3130 },
  { network: 'storage', vlan: 3200 },
  { network: 'mgmt', vlan: 3300 },
  { network: 'batch', vlan: 3400 },
];

function activities() {
  const ledger = { snapshot: () => Promise.reject(new Error('not used')) } as unknown as Parameters<
    typeof createPlacementActivities
  >[0]['ledger'];
  return createPlacementActivities({ topology: index, ledger });
}

describe('planDrillPlacement', () => {
  it('puts the bubble VLANs on the persona NICs ports, the clones in place of its LUNs, and returns the drill block', async () => {
    const plan = await activities().planDrillPlacement({
      persona: 'db-01',
      machine: 'm-r1-03',
      run: RUN,
      bubble: BUBBLE,
      tag: TAG,
      healthHost: '127.0.0.2',
    });
    expect(plan).toEqual({
      site: 'dc1',
      persona: 'db-01',
      machine: 'm-r1-03',
      initiator: 'iqn.2026-11.lab.rackshift:m-r1-03',
      ports: [
        {
          switchId: 'sw-r1',
          port: 'GigabitEthernet1/0/3',
          desired: { mode: 'access', accessVlan: 3120, shutdown: false },
        },
        {
          switchId: 'sw-r1',
          port: 'GigabitEthernet1/0/13',
          desired: { mode: 'access', accessVlan: 3200, shutdown: false },
        },
      ],
      luns: [
        { array: 'array-1', lun: `db-01-boot.drill-${TAG}`, boot: true, cloneOf: 'db-01-boot' },
        { array: 'array-1', lun: `db-01-data.drill-${TAG}`, boot: false, cloneOf: 'db-01-data' },
      ],
      macs: ['52:54:00:00:03:00', '52:54:00:00:03:01'],
      image: 'rhel-9-san',
      bootFromNetwork: true,
      drill: {
        run: RUN,
        bubble: [
          { network: 'prod-db', vlan: 3120 },
          { network: 'storage', vlan: 3200 },
        ],
        luns: [
          { array: 'array-1', lun: 'db-01-boot', clone: `db-01-boot.drill-${TAG}` },
          { array: 'array-1', lun: 'db-01-data', clone: `db-01-data.drill-${TAG}` },
        ],
        healthHost: '127.0.0.2',
      },
    });
    // The drill block is what a boot assignment accepts, and its script sanboots the clone.
    const assignment = bootAssignmentSchema.parse({
      mac: plan.macs[0],
      machine: plan.machine,
      persona: plan.persona,
      image: plan.image,
      drill: plan.drill,
    });
    expect(renderIpxeScript(bootPlanFor(index, assignment))).toContain(
      `sanboot iscsi:127.0.0.1::13260:1:iqn.2026-11.lab.rackshift:array-1:db-01-boot.drill-${TAG}\n`,
    );
  });

  it('shuts the ports of NICs the persona does not use, so no production VLAN reaches the copy; trunks carry bubble VLANs', () => {
    const web = drillPlacementPlan(index, {
      persona: 'web-02',
      machine: 'm-r1-03',
      run: RUN,
      bubble: BUBBLE,
      tag: TAG,
    });
    expect(web.ports).toEqual([
      {
        switchId: 'sw-r1',
        port: 'GigabitEthernet1/0/3',
        desired: { mode: 'access', accessVlan: 3110, shutdown: false },
      },
      {
        switchId: 'sw-r1',
        port: 'GigabitEthernet1/0/13',
        desired: { mode: 'access', shutdown: true },
      },
    ]);
    expect(web.drill).toEqual({
      run: RUN,
      bubble: [{ network: 'prod-web', vlan: 3110 }],
      luns: [{ array: 'array-1', lun: 'web-02-boot', clone: `web-02-boot.drill-${TAG}` }],
    });
    const app = drillPlacementPlan(index, {
      persona: 'db-01',
      machine: 'm-r2-03',
      run: RUN,
      bubble: BUBBLE,
      tag: TAG,
    });
    expect(app.ports.map((p) => p.desired)).toEqual([
      { mode: 'access', accessVlan: 3120, shutdown: false },
      { mode: 'access', accessVlan: 3200, shutdown: false },
    ]);
  });

  it('refuses a persona network without a bubble VLAN, naming the network', async () => {
    const bubble = BUBBLE.filter((b) => b.network !== 'prod-db');
    expect(() =>
      drillPlacementPlan(index, {
        persona: 'db-01',
        machine: 'm-r1-03',
        run: RUN,
        bubble,
        tag: TAG,
      }),
    ).toThrow(
      new ValidationError('drill copy of db-01 on m-r1-03', [
        { path: 'bubble', message: 'no isolated VLAN for network prod-db' },
      ]),
    );
    const err = await activities()
      .planDrillPlacement({ persona: 'db-01', machine: 'm-r1-03', run: RUN, bubble, tag: TAG })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({
      type: 'ValidationError',
      nonRetryable: true,
      message: 'drill copy of db-01 on m-r1-03: bubble: no isolated VLAN for network prod-db',
    });
  });

  it('refuses a bubble VLAN that is any production network VLAN, naming the entry', () => {
    // mgmt is no network of web-02, but VLAN 120 is prod-db's: the bubble would not be isolated.
    const bubble = [
      { network: 'prod-web', vlan: 3110 },
      { network: 'mgmt', vlan: 120 },
    ];
    let thrown: unknown;
    try {
      drillPlacementPlan(index, {
        persona: 'web-02',
        machine: 'm-r1-03',
        run: RUN,
        bubble,
        tag: TAG,
      });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(ValidationError);
    expect((thrown as ValidationError).issues).toEqual([
      {
        path: 'bubble[1].vlan',
        message:
          "VLAN 120 of network mgmt's bubble is production network prod-db's VLAN, so it is not isolated",
      },
    ]);
  });

  it('refuses a tag that is not drillTag-shaped, and keeps placementPlan refusals', () => {
    // A bubble VLAN must be declared isolated in the topology (so it exists on the switches
    // already).
    const undeclared = BUBBLE.map((b) => (b.network === 'prod-web' ? { ...b, vlan: 2999 } : b));
    expect(() =>
      drillPlacementPlan(index, {
        persona: 'web-02',
        machine: 'm-r1-03',
        run: RUN,
        bubble: undeclared,
        tag: TAG,
      }),
    ).toThrow('VLAN 2999 is no isolated network of the topology');
    expect(() =>
      drillPlacementPlan(index, {
        persona: 'web-02',
        machine: 'm-r1-03',
        run: RUN,
        bubble: BUBBLE,
        tag: 'XYZ',
      }),
    ).toThrow(/drill placement: tag: must be 6 hex digits/);
    expect(() =>
      drillPlacementPlan(index, {
        persona: 'web-02',
        machine: 'm-r1-03',
        run: 'bad run id!',
        bubble: BUBBLE,
        tag: TAG,
      }),
    ).toThrow(/drill placement: run: /);
    expect(() =>
      drillPlacementPlan(index, {
        persona: 'nope',
        machine: 'm-r1-03',
        run: RUN,
        bubble: BUBBLE,
        tag: TAG,
      }),
    ).toThrow('unknown persona "nope"');
  });
});

describe('a drill copy at the other site (examples/two-sites.yaml)', () => {
  const twoSites = new TopologyIndex(
    parseTopology(parseYaml(readFileSync(join(ROOT, 'examples', 'two-sites.yaml'), 'utf8'))),
  );
  const bubble = [
    { network: 'prod-web', vlan: 3110 },
    { network: 'prod-db', vlan: 3120 },
    { network: 'storage', vlan: 3200 },
  ];

  it("boots a PXE image from site-b's boot server, with the drill block and site-b's bubble ids", () => {
    const plan = drillPlacementPlan(twoSites, {
      persona: 'web-01',
      machine: 'm-b1-01',
      run: RUN,
      bubble,
      tag: TAG,
    });
    expect(plan.drill.bubble).toEqual([{ network: 'prod-web', vlan: 3610 }]);
    const assignment = bootAssignmentSchema.parse({
      mac: plan.macs[0],
      machine: plan.machine,
      persona: plan.persona,
      image: 'ubuntu-24-pxe',
      drill: plan.drill,
    });
    const script = renderIpxeScript(bootPlanFor(twoSites, assignment));
    expect(script).toContain('kernel http://127.0.0.1:8081/images/ubuntu-24/vmlinuz');
    expect(script).toContain('rackshift.bubble=prod-web:3610');
  });

  it("at the LUNs' own site a copy clones them as always (no replica, no site-b ids)", () => {
    const plan = drillPlacementPlan(twoSites, {
      persona: 'db-01',
      machine: 'm-a1-02',
      run: RUN,
      bubble,
      tag: TAG,
    });
    expect(plan.luns).toEqual([
      { array: 'array-a', lun: `db-01-boot.drill-${TAG}`, boot: true, cloneOf: 'db-01-boot' },
      { array: 'array-a', lun: `db-01-data.drill-${TAG}`, boot: false, cloneOf: 'db-01-data' },
    ]);
    expect(plan.drill.bubble).toEqual([
      { network: 'prod-db', vlan: 3120 },
      { network: 'storage', vlan: 3200 },
    ]);
  });
});
