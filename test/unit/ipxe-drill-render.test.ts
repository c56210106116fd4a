import fc from 'fast-check';
import { ValidationError } from '../../common/errors';
import { bootPlanFor } from '../../drivers/boot/boot-plan';
import { renderIpxeScript, type BootPlan } from '../../drivers/boot/ipxe-script';
import { bootAssignmentSchema, type DrillBoot } from '../../inventory/ledger-records';
import { TopologyIndex } from '../../inventory/topology-index';
import { drillCopyOf } from '../../lab/boot/drill-copy';
import { parseIpxeScript } from '../../lab/boot/ipxe-script-parser';
import { labSmall } from '../support/lab-fixtures';

let index: TopologyIndex;
beforeAll(async () => {
  index = new TopologyIndex(await labSmall());
});

const RUN = 'dr-drill/2026-q3@dc1';

const webDrill: DrillBoot = {
  run: RUN,
  bubble: [{ network: 'prod-web', vlan: 1110 }],
  luns: [{ array: 'array-1', lun: 'web-02-boot', clone: 'web-02-boot.drill-a1b2c3' }],
  healthHost: '127.0.0.2',
};

const dbDrill: DrillBoot = {
  run: RUN,
  bubble: [
    { network: 'prod-db', vlan: 1120 },
    { network: 'storage', vlan: 1200 },
  ],
  luns: [
    { array: 'array-1', lun: 'db-01-boot', clone: 'db-01-boot.drill-a1b2c3' },
    { array: 'array-1', lun: 'db-01-data', clone: 'db-01-data.drill-a1b2c3' },
  ],
  healthHost: '127.0.0.2',
};

const plan = (persona: string, image: string, machine: string, drill?: DrillBoot): BootPlan =>
  bootPlanFor(index, {
    mac: '52:54:00:00:03:00',
    persona,
    image,
    machine,
    ...(drill && { drill }),
  });

describe('iPXE scripts of drill copies', () => {
  it('PXE image: the persona plus kernel arguments saying it is a drill copy, its bubble, clones and health host', () => {
    expect(renderIpxeScript(plan('web-02', 'ubuntu-24-pxe', 'm-r1-03', webDrill))).toBe(
      [
        '#!ipxe',
        '# rackshift: persona web-02 on m-r1-03, image ubuntu-24-pxe (pxe), drill copy',
        'kernel http://127.0.0.1:8080/images/ubuntu-24/vmlinuz console=ttyS0 ip=dhcp rackshift.persona=web-02 rackshift.drill=dr-drill/2026-q3@dc1 rackshift.bubble=prod-web:1110 rackshift.clones=array-1:web-02-boot:web-02-boot.drill-a1b2c3 rackshift.health-host=127.0.0.2',
        'initrd http://127.0.0.1:8080/images/ubuntu-24/initrd.img',
        'boot',
        '',
      ].join('\n'),
    );
  });

  it('boot from SAN: sanboots the boot LUN clone on the same array, with the drill facts set before it', () => {
    expect(renderIpxeScript(plan('db-01', 'rhel-9-san', 'm-r1-03', dbDrill))).toBe(
      [
        '#!ipxe',
        '# rackshift: persona db-01 on m-r1-03, image rhel-9-san (san-iscsi), drill copy',
        'set initiator-iqn iqn.2026-11.lab.rackshift:m-r1-03',
        'set rackshift-drill dr-drill/2026-q3@dc1',
        'set rackshift-bubble prod-db:1120,storage:1200',
        'set rackshift-clones array-1:db-01-boot:db-01-boot.drill-a1b2c3,array-1:db-01-data:db-01-data.drill-a1b2c3',
        'set rackshift-health-host 127.0.0.2',
        'sanboot iscsi:127.0.0.1::13260:1:iqn.2026-11.lab.rackshift:array-1:db-01-boot.drill-a1b2c3',
        '',
      ].join('\n'),
    );
  });

  it('a boot without a drill block renders exactly as before', () => {
    expect(renderIpxeScript(plan('db-01', 'rhel-9-san', 'm-r1-01'))).not.toMatch(
      /drill|rackshift-/,
    );
    expect(renderIpxeScript(plan('web-02', 'ubuntu-24-pxe', 'm-r1-03'))).not.toMatch(/drill/);
  });

  it('what the lab reads back from either kind of script is the drill block that was rendered', () => {
    const kernel = parseIpxeScript(
      renderIpxeScript(plan('web-02', 'ubuntu-24-pxe', 'm-r1-03', webDrill)),
    );
    expect(drillCopyOf(kernel)).toEqual({ drill: webDrill });
    const san = parseIpxeScript(renderIpxeScript(plan('db-01', 'rhel-9-san', 'm-r1-03', dbDrill)));
    expect(san).toMatchObject({
      kind: 'sanboot',
      target: 'iqn.2026-11.lab.rackshift:array-1:db-01-boot.drill-a1b2c3',
    });
    expect(drillCopyOf(san)).toEqual({ drill: dbDrill });
    expect(
      drillCopyOf(parseIpxeScript(renderIpxeScript(plan('db-01', 'rhel-9-san', 'm-r1-01')))),
    ).toBeUndefined();
  });

  it('an IPv6 health host goes without brackets (kernel command lines have none) and comes back with them', () => {
    const script = renderIpxeScript(
      plan('web-02', 'ubuntu-24-pxe', 'm-r1-03', { ...webDrill, healthHost: '[fd00::2]' }),
    );
    expect(script).toContain(' rackshift.health-host=fd00::2\n');
    expect(drillCopyOf(parseIpxeScript(script))).toEqual({
      drill: { ...webDrill, healthHost: '[fd00::2]' },
    });
  });

  it('refuses a drill block that leaves a LUN of the persona without a clone, or an FC image', () => {
    expect(() =>
      plan('db-01', 'rhel-9-san', 'm-r1-03', { ...dbDrill, luns: dbDrill.luns.slice(0, 1) }),
    ).toThrow(
      'boot assignment: drill.luns: no clone of LUN db-01-data on array-1: a drill copy never uses production LUNs',
    );
    const fcIndex = new TopologyIndex({
      ...index.topology,
      bootImages: [
        ...index.topology.bootImages,
        { name: 'rhel-9-fc', kind: 'san', protocol: 'fc' },
      ],
    });
    expect(() =>
      bootPlanFor(fcIndex, {
        mac: '52:54:00:00:03:00',
        persona: 'db-01',
        image: 'rhel-9-fc',
        machine: 'm-r1-03',
        drill: dbDrill,
      }),
    ).toThrow(/drill: image rhel-9-fc boots from FC/);
  });

  it('boot assignments: the drill block is optional, and its clones must be clone ids (a production LUN id is refused)', () => {
    const base = {
      mac: '52:54:00:00:03:00',
      machine: 'm-r1-03',
      persona: 'db-01',
      image: 'rhel-9-san',
    };
    expect(bootAssignmentSchema.parse(base)).toEqual(base);
    expect(bootAssignmentSchema.parse({ ...base, drill: dbDrill })).toEqual({
      ...base,
      drill: dbDrill,
    });
    const production = bootAssignmentSchema.safeParse({
      ...base,
      drill: { ...dbDrill, luns: [{ array: 'array-1', lun: 'db-01-boot', clone: 'db-01-boot' }] },
    });
    expect(production.success).toBe(false);
    expect(production.error?.issues[0]?.path).toEqual(['drill', 'luns', 0, 'clone']);
  });

  it('no drill value can add a line, a command or an expansion to either script', () => {
    const kernelBase = plan('web-02', 'ubuntu-24-pxe', 'm-r1-03', webDrill);
    const sanBase = plan('db-01', 'rhel-9-san', 'm-r1-03', dbDrill);
    // Each value is valid, valid with anything appended, or anything at all: most scripts render,
    // many must be refused.
    const around = (valid: string) =>
      fc.oneof(
        fc.constant(valid),
        fc.string({ maxLength: 12 }).map((tail) => `${valid}${tail}`),
        fc.string({ maxLength: 30 }),
      );
    const arbitrary = fc.record({
      run: around(RUN),
      network: around('prod-web'),
      clone: around('web-02-boot.drill-a1b2c3'),
      host: around('127.0.0.2'),
      vlan: fc.oneof(fc.constant(1110), fc.integer()),
    });
    let rendered = 0;
    fc.assert(
      fc.property(arbitrary, (v) => {
        const drill: DrillBoot = {
          run: v.run,
          bubble: [{ network: v.network, vlan: v.vlan }],
          luns: [{ array: 'array-1', lun: 'web-02-boot', clone: v.clone }],
          healthHost: v.host,
        };
        for (const [base, commands] of [
          [kernelBase, ['#!ipxe', '#', 'kernel', 'initrd', 'boot', '']],
          [sanBase, ['#!ipxe', '#', 'set', 'set', 'set', 'set', 'set', 'sanboot', '']],
        ] as const) {
          let script: string;
          try {
            script = renderIpxeScript({ ...base, drill } as BootPlan);
          } catch (e) {
            expect(e).toBeInstanceOf(ValidationError);
            continue;
          }
          rendered += 1;
          expect(script.split('\n').map((l) => l.split(' ')[0])).toEqual(commands);
          expect(script).not.toMatch(/\$\{|[;|`"'\\]/);
        }
      }),
      { numRuns: 300 },
    );
    expect(rendered).toBeGreaterThan(0);
    expect(() =>
      renderIpxeScript({
        ...sanBase,
        drill: { ...dbDrill, run: 'x\nsanboot iscsi:evil' },
      } as BootPlan),
    ).toThrow(ValidationError);
    expect(() =>
      renderIpxeScript({
        ...sanBase,
        drill: { ...dbDrill, bubble: [{ network: 'prod-db', vlan: 4095 }] },
      } as BootPlan),
    ).toThrow(/drill.bubble\[0\].vlan/);
    expect(() =>
      renderIpxeScript({
        ...kernelBase,
        drill: {
          ...webDrill,
          luns: [{ array: 'array-1', lun: 'web-02-boot', clone: 'web-02-boot' }],
        },
      } as BootPlan),
    ).toThrow(/drill.luns\[0\].clone/);
  });
});
