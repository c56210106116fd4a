import { ValidationError } from '../../common/errors';
import { BrocadeZoningDriver } from '../../drivers/storage/brocade-zoning-driver';
import { parseCfgShow } from '../../drivers/storage/brocade-zone-parser';
import {
  LunMaskConflictError,
  StorageCommandError,
  UnsupportedStorageOperationError,
} from '../../drivers/storage/storage-errors';
import { fabricSchema, lunSchema } from '../../inventory/topology-schema';
import { RecordingConnector, type RecordingScript } from '../support/recording-ssh';

const HBA_1 = '10:00:00:00:c9:00:00:01';
const HBA_2 = '10:00:00:00:c9:00:00:02';
const ARRAY_PORT = '50:06:01:60:3b:a0:11:22';

const fabric = fabricSchema.parse({
  id: 'fab-a',
  vendor: 'brocade',
  address: '127.0.0.1',
  credential: 'fabric',
  hostKeyFingerprint: 'SHA256:Hqo6iFK/Ohi1BUKQLyRqVYRcy0jxpOyWEwedfq6fM6I',
  zoneConfig: 'cfg_prod',
});
const luns = [
  lunSchema.parse({ id: 'db-01-boot', sizeGiB: 40 }),
  lunSchema.parse({ id: 'vmstore-1', sizeGiB: 2000, shared: true }),
];

/**
 * `cfgshow` with the same zones defined (in `cfg`) and in effect, unless `defined` says otherwise.
 */
function effective(
  zones: Record<string, string[]>,
  cfg = 'cfg_prod',
  defined: Record<string, string[]> | null = zones,
): string {
  const def =
    defined === null || Object.keys(defined).length === 0
      ? [' no configuration defined']
      : [
          ` cfg:\t${cfg}\t${Object.keys(defined).join('; ')}`,
          ...Object.entries(defined).map(([z, m]) => ` zone:\t${z}\t${m.join('; ')}`),
        ];
  const eff =
    Object.keys(zones).length === 0 && cfg === 'cfg_prod'
      ? [' no configuration in effect']
      : [
          ` cfg:\t${cfg}\t`,
          ...Object.entries(zones).flatMap(([z, m]) => [
            ` zone:\t${z}\t`,
            ...m.map((w) => `\t\t${w}`),
          ]),
        ];
  return ['Defined configuration:', ...def, '', 'Effective configuration:', ...eff, ''].join('\n');
}

/**
 * FOS asks before cfgenable, cfgsave and cfgdisable change anything; this session owns any
 * transaction.
 */
const QUESTIONS: Record<string, string[]> = {
  'cfgenable "cfg_prod"': ["Do you want to enable 'cfg_prod' configuration  "],
  cfgsave: ['Do you want to save the Defined zoning configuration only?  '],
  cfgdisable: ['Do you want to disable zoning configuration? '],
  cfgtransshow: ['Current transaction token is 0x571d\nIt is abortable'],
};

function driverWith(script: RecordingScript): {
  driver: BrocadeZoningDriver;
  ssh: RecordingConnector;
} {
  const ssh = new RecordingConnector({ ...script, answers: { ...QUESTIONS, ...script.answers } });
  const driver = new BrocadeZoningDriver({
    fabric,
    array: 'a1',
    connector: ssh,
    luns,
    targetPorts: [ARRAY_PORT],
  });
  driver.validate();
  return { driver, ssh };
}

const ENABLE = ['cfgenable "cfg_prod"', 'y'];

describe('Brocade zoning command lists', () => {
  it('creates a zone for a new LUN path, adds it to the enabled config, commits with cfgenable (which saves) and "y", then reads back', async () => {
    const { driver, ssh } = driverWith({
      answers: {
        cfgshow: [
          effective({ other: [ARRAY_PORT] }),
          effective({ other: [ARRAY_PORT], rs_a1_db_01_boot: [HBA_1, ARRAY_PORT] }),
        ],
      },
    });
    expect(await driver.mask('db-01-boot', HBA_1.toUpperCase())).toEqual({
      already: false,
      holdersBefore: [],
    });
    expect(ssh.lines).toEqual([
      'cfgshow',
      `zonecreate "rs_a1_db_01_boot", "${HBA_1}; ${ARRAY_PORT}"`,
      'cfgadd "cfg_prod", "rs_a1_db_01_boot"',
      ...ENABLE,
      'cfgshow',
    ]);
  });

  it('creates the configuration when none is in effect', async () => {
    const { driver, ssh } = driverWith({
      answers: {
        cfgshow: [
          effective({}, 'cfg_prod', null),
          effective({ rs_a1_db_01_boot: [HBA_1, ARRAY_PORT] }),
        ],
      },
    });
    await driver.mask('db-01-boot', HBA_1);
    expect(ssh.lines.slice(1, 3)).toEqual([
      `zonecreate "rs_a1_db_01_boot", "${HBA_1}; ${ARRAY_PORT}"`,
      'cfgcreate "cfg_prod", "rs_a1_db_01_boot"',
    ]);
  });

  it('adds a second initiator to a shared LUN zone with zoneadd', async () => {
    const { driver, ssh } = driverWith({
      answers: {
        cfgshow: [
          effective({ rs_a1_vmstore_1: [HBA_1, ARRAY_PORT] }),
          effective({ rs_a1_vmstore_1: [HBA_1, HBA_2, ARRAY_PORT] }),
        ],
      },
    });
    expect(await driver.mask('vmstore-1', HBA_2)).toEqual({
      already: false,
      holdersBefore: [HBA_1],
    });
    expect(ssh.lines).toEqual([
      'cfgshow',
      `zoneadd "rs_a1_vmstore_1", "${HBA_2}"`,
      ...ENABLE,
      'cfgshow',
    ]);
  });

  it('does nothing when the initiator is already zoned', async () => {
    const { driver, ssh } = driverWith({
      answers: { cfgshow: [effective({ rs_a1_db_01_boot: [HBA_1, ARRAY_PORT] })] },
    });
    expect(await driver.mask('db-01-boot', HBA_1)).toEqual({
      already: true,
      holdersBefore: [HBA_1],
    });
    expect(ssh.lines).toEqual(['cfgshow']);
  });

  it('refuses a second initiator on an unshared LUN, naming both, before any change', async () => {
    const { driver, ssh } = driverWith({
      answers: { cfgshow: [effective({ rs_a1_db_01_boot: [HBA_1, ARRAY_PORT] })] },
    });
    const err = await driver.mask('db-01-boot', HBA_2).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LunMaskConflictError);
    expect((err as Error).message).toContain(HBA_1);
    expect((err as Error).message).toContain(HBA_2);
    expect(ssh.lines).toEqual(['cfgshow']);
  });

  it('removes one of two initiators with zoneremove, and the last one by removing and deleting the zone', async () => {
    const two = driverWith({
      answers: {
        cfgshow: [
          effective({ rs_a1_vmstore_1: [HBA_1, HBA_2, ARRAY_PORT] }),
          effective({ rs_a1_vmstore_1: [HBA_1, ARRAY_PORT] }),
        ],
      },
    });
    expect(await two.driver.unmask('vmstore-1', HBA_2)).toEqual({
      already: false,
      holdersBefore: [HBA_1, HBA_2],
    });
    expect(two.ssh.lines).toEqual([
      'cfgshow',
      `zoneremove "rs_a1_vmstore_1", "${HBA_2}"`,
      ...ENABLE,
      'cfgshow',
    ]);

    const last = driverWith({
      answers: {
        cfgshow: [
          effective({ rs_a1_db_01_boot: [HBA_1, ARRAY_PORT], other: [ARRAY_PORT] }),
          effective({ other: [ARRAY_PORT] }),
        ],
      },
    });
    await last.driver.unmask('db-01-boot', HBA_1);
    expect(last.ssh.lines).toEqual([
      'cfgshow',
      'cfgremove "cfg_prod", "rs_a1_db_01_boot"',
      'zonedelete "rs_a1_db_01_boot"',
      ...ENABLE,
      'cfgshow',
    ]);
  });

  it('aborts the zoning transaction when a change is refused', async () => {
    const zonecreate = `zonecreate "rs_a1_db_01_boot", "${HBA_1}; ${ARRAY_PORT}"`;
    const { driver, ssh } = driverWith({
      answers: {
        cfgshow: [effective({})],
        [zonecreate]: ['error: "rs_a1_db_01_boot" duplicate name'],
      },
    });
    const err = await driver.mask('db-01-boot', HBA_1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageCommandError);
    expect((err as Error).message).toContain('duplicate name');
    expect(ssh.lines).toEqual(['cfgshow', zonecreate, 'cfgtransshow', 'cfgtransabort']);
  });

  it('aborts when enabling fails after the "y"', async () => {
    const { driver, ssh } = driverWith({
      answers: { cfgshow: [effective({})], y: ['Error: zone config "cfg_prod" failed to enable'] },
    });
    await expect(driver.mask('db-01-boot', HBA_1)).rejects.toBeInstanceOf(StorageCommandError);
    expect(ssh.lines.slice(-4)).toEqual([
      'cfgenable "cfg_prod"',
      'y',
      'cfgtransshow',
      'cfgtransabort',
    ]);
    expect(ssh.lines).not.toContain('cfgsave');
  });

  it('a transaction held by another session is retryable and is not aborted', async () => {
    const zonecreate = `zonecreate "rs_a1_db_01_boot", "${HBA_1}; ${ARRAY_PORT}"`;
    const { driver, ssh } = driverWith({
      answers: {
        cfgshow: [effective({})],
        [zonecreate]: [
          'there is an outstanding transaction, and you are not the owner of that transaction',
        ],
        cfgtransshow: ['Current transaction token is 0x3109\nIt is not abortable'],
      },
    });
    const err = (await driver
      .mask('db-01-boot', HBA_1)
      .catch((e: unknown) => e)) as StorageCommandError;
    expect(err).toBeInstanceOf(StorageCommandError);
    expect(err.retryable).toBe(true);
    expect(ssh.lines).toEqual(['cfgshow', zonecreate, 'cfgtransshow']);
  });

  it('removes the last zone of the configuration by disabling and deleting the configuration, then saves', async () => {
    const { driver, ssh } = driverWith({
      answers: {
        cfgshow: [
          effective({ rs_a1_db_01_boot: [HBA_1, ARRAY_PORT] }),
          effective({}, 'cfg_prod', null),
        ],
      },
    });
    await driver.unmask('db-01-boot', HBA_1);
    expect(ssh.lines).toEqual([
      'cfgshow',
      'cfgdisable',
      'y',
      'cfgdelete "cfg_prod"',
      'zonedelete "rs_a1_db_01_boot"',
      'cfgsave',
      'y',
      'cfgshow',
    ]);
  });

  it('refuses a confirmation that never came, without answering "y" to the CLI prompt', async () => {
    const { driver, ssh } = driverWith({
      answers: {
        cfgshow: [effective({})],
        'cfgenable "cfg_prod"': ['zone config "cfg_prod" not found'],
        cfgtransshow: ['There is no outstanding zoning transaction'],
      },
    });
    await expect(driver.mask('db-01-boot', HBA_1)).rejects.toBeInstanceOf(StorageCommandError);
    expect(ssh.lines).not.toContain('y');
    expect(ssh.lines).not.toContain('cfgtransabort');
  });

  it('plans from the defined configuration: a zone defined but not in effect is enabled, not created again', async () => {
    const defined = { rs_a1_db_01_boot: [HBA_1, ARRAY_PORT] };
    const { driver, ssh } = driverWith({
      answers: { cfgshow: [effective({}, 'cfg_prod', defined), effective(defined)] },
    });
    expect(await driver.mask('db-01-boot', HBA_1)).toEqual({ already: false, holdersBefore: [] });
    expect(ssh.lines).toEqual(['cfgshow', ...ENABLE, 'cfgshow']);
  });

  it('refuses to enable its config over a different effective configuration', async () => {
    const { driver, ssh } = driverWith({ answers: { cfgshow: [effective({}, 'cfg_other')] } });
    await expect(driver.mask('db-01-boot', HBA_1)).rejects.toBeInstanceOf(
      UnsupportedStorageOperationError,
    );
    expect(ssh.lines).toEqual(['cfgshow']);
  });

  it('counts the HBA ports of one machine as one holder of an unshared LUN', async () => {
    const HBA_1B = '10:00:00:00:c9:00:00:1b';
    const ssh = new RecordingConnector({
      answers: {
        ...QUESTIONS,
        cfgshow: [
          effective({ rs_a1_db_01_boot: [HBA_1, ARRAY_PORT] }),
          effective({ rs_a1_db_01_boot: [HBA_1, ARRAY_PORT, HBA_1B] }),
        ],
      },
    });
    const driver = new BrocadeZoningDriver({
      fabric,
      array: 'a1',
      connector: ssh,
      luns,
      targetPorts: [ARRAY_PORT],
      machineWwpns: [[HBA_1, HBA_1B]],
    });
    expect(await driver.mask('db-01-boot', HBA_1B)).toEqual({
      already: false,
      holdersBefore: [HBA_1],
    });
    expect(ssh.lines).toContain(`zoneadd "rs_a1_db_01_boot", "${HBA_1B}"`);
    await expect(driver.mask('db-01-boot', HBA_2)).rejects.toBeInstanceOf(LunMaskConflictError);
  });

  it("zones a DR drill's snapshot clone of a LUN of the array as an unshared LUN of its own", async () => {
    const clone = 'db-01-boot.drill-0c0ffe';
    const { driver, ssh } = driverWith({
      answers: {
        cfgshow: [effective({}), effective({ rs_a1_db_01_boot_drill_0c0ffe: [HBA_2, ARRAY_PORT] })],
      },
    });
    expect(await driver.mask(clone, HBA_2)).toEqual({ already: false, holdersBefore: [] });
    expect(ssh.lines[1]).toBe(
      `zonecreate "rs_a1_db_01_boot_drill_0c0ffe", "${HBA_2}; ${ARRAY_PORT}"`,
    );
    await expect(driver.mask('other.drill-0c0ffe', HBA_1)).rejects.toThrow(
      'unknown LUN zoned on fab-a',
    );
  });

  it('validates WWPNs and LUN ids before connecting', async () => {
    const { driver, ssh } = driverWith({});
    await expect(
      driver.mask('db-01-boot', '10:00:00:00:c9:00:00:01"; cfgclear; "'),
    ).rejects.toBeInstanceOf(ValidationError);
    await expect(driver.mask('db-01-boot', 'iqn.2026-11.x:host')).rejects.toBeInstanceOf(
      ValidationError,
    );
    await expect(driver.mask('nope', HBA_1)).rejects.toThrow('unknown LUN zoned on fab-a "nope"');
    expect(ssh.connects).toBe(0);
    expect(() =>
      new BrocadeZoningDriver({
        fabric,
        array: 'a1',
        connector: ssh,
        luns,
        targetPorts: ['50:06'],
      }).validate(),
    ).toThrow(ValidationError);
  });

  it('reads cfgshow: defined cfg members continued on the next line, effective zones one member per line', () => {
    const z = parseCfgShow(
      [
        'Defined configuration:',
        ' cfg:\tcfg_prod\trs_a; rs_b;',
        '\t\trs_c',
        ' zone:\trs_a\t10:00:00:00:C9:00:00:01; 50:06:01:60:3b:a0:11:22',
        ' alias:\thost1\t10:00:00:00:c9:00:00:09',
        '',
        'Effective configuration:',
        ' cfg:\tcfg_prod\t',
        ' zone:\trs_a\t',
        '\t\t10:00:00:00:c9:00:00:01',
        '',
      ].join('\n'),
    );
    expect(Object.fromEntries(z.defined.cfgs)).toEqual({ cfg_prod: ['rs_a', 'rs_b', 'rs_c'] });
    expect(Object.fromEntries(z.defined.zones)).toEqual({ rs_a: [HBA_1, ARRAY_PORT] });
    expect(z.effective.cfg).toBe('cfg_prod');
    expect(Object.fromEntries(z.effective.zones)).toEqual({ rs_a: [HBA_1] });
  });

  it('reads cfgactvshow with members on their own lines or several per line', () => {
    const zoning = parseCfgShow(
      [
        'Effective configuration:',
        ' cfg:   cfg_prod',
        ' zone:  rs_a   10:00:00:00:C9:00:00:01; 50:06:01:60:3b:a0:11:22',
        ' zone:  rs_b',
        '                10:00:00:00:c9:00:00:02',
        '',
      ].join('\n'),
    ).effective;
    expect(zoning.cfg).toBe('cfg_prod');
    expect(Object.fromEntries(zoning.zones)).toEqual({ rs_a: [HBA_1, ARRAY_PORT], rs_b: [HBA_2] });
  });

  it('lists zoned LUNs and their holders', async () => {
    const { driver } = driverWith({
      answers: {
        cfgshow: [
          effective({
            rs_a1_db_01_boot: [HBA_1, ARRAY_PORT],
            rs_a1_vmstore_1: [HBA_1, HBA_2, ARRAY_PORT],
            foreign: [HBA_1],
          }),
        ],
      },
    });
    expect(await driver.listVisibleTo(HBA_1)).toEqual(['db-01-boot', 'vmstore-1']);
    expect(await driver.listHolders('vmstore-1')).toEqual([HBA_1, HBA_2]);
  });
});
