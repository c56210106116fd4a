import { ValidationError } from '../../common/errors';
import { BrocadeZoningDriver } from '../../drivers/storage/brocade-zoning-driver';
import { parseCfgActvShow } from '../../drivers/storage/brocade-zone-parser';
import { LunMaskConflictError, StorageCommandError, UnsupportedStorageOperationError } from '../../drivers/storage/storage-errors';
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
const luns = [lunSchema.parse({ id: 'db-01-boot', sizeGiB: 40 }), lunSchema.parse({ id: 'vmstore-1', sizeGiB: 2000, shared: true })];

function effective(zones: Record<string, string[]>, cfg = 'cfg_prod'): string {
  return ['Effective configuration:', ` cfg:\t${cfg}\t`, ...Object.entries(zones).flatMap(([z, m]) => [` zone:\t${z}\t`, ...m.map((w) => `\t\t${w}`)]), ''].join('\n');
}

function driverWith(script: RecordingScript): { driver: BrocadeZoningDriver; ssh: RecordingConnector } {
  const ssh = new RecordingConnector(script);
  const driver = new BrocadeZoningDriver({ fabric, connector: ssh, luns, targetPorts: [ARRAY_PORT] });
  driver.validate();
  return { driver, ssh };
}

const SAVE_AND_ENABLE = ['cfgsave', 'y', 'cfgenable "cfg_prod"', 'y'];

describe('Brocade zoning command lists', () => {
  it('creates a zone for a new LUN path, adds it to the enabled config, saves and enables with "y", then reads back', async () => {
    const { driver, ssh } = driverWith({ answers: { cfgactvshow: [effective({ other: [ARRAY_PORT] }), effective({ other: [ARRAY_PORT], rs_db_01_boot: [HBA_1, ARRAY_PORT] })] } });
    expect(await driver.mask('db-01-boot', HBA_1.toUpperCase())).toEqual({ already: false, holdersBefore: [] });
    expect(ssh.lines).toEqual([
      'cfgactvshow',
      `zonecreate "rs_db_01_boot", "${HBA_1}; ${ARRAY_PORT}"`,
      'cfgadd "cfg_prod", "rs_db_01_boot"',
      ...SAVE_AND_ENABLE,
      'cfgactvshow',
    ]);
  });

  it('creates the configuration when none is in effect', async () => {
    const { driver, ssh } = driverWith({ answers: { cfgactvshow: ['Effective configuration:\n no configuration in effect\n', effective({ rs_db_01_boot: [HBA_1, ARRAY_PORT] })] } });
    await driver.mask('db-01-boot', HBA_1);
    expect(ssh.lines.slice(1, 3)).toEqual([`zonecreate "rs_db_01_boot", "${HBA_1}; ${ARRAY_PORT}"`, 'cfgcreate "cfg_prod", "rs_db_01_boot"']);
  });

  it('adds a second initiator to a shared LUN zone with zoneadd', async () => {
    const { driver, ssh } = driverWith({ answers: { cfgactvshow: [effective({ rs_vmstore_1: [HBA_1, ARRAY_PORT] }), effective({ rs_vmstore_1: [HBA_1, HBA_2, ARRAY_PORT] })] } });
    expect(await driver.mask('vmstore-1', HBA_2)).toEqual({ already: false, holdersBefore: [HBA_1] });
    expect(ssh.lines).toEqual(['cfgactvshow', `zoneadd "rs_vmstore_1", "${HBA_2}"`, ...SAVE_AND_ENABLE, 'cfgactvshow']);
  });

  it('does nothing when the initiator is already zoned', async () => {
    const { driver, ssh } = driverWith({ answers: { cfgactvshow: [effective({ rs_db_01_boot: [HBA_1, ARRAY_PORT] })] } });
    expect(await driver.mask('db-01-boot', HBA_1)).toEqual({ already: true, holdersBefore: [HBA_1] });
    expect(ssh.lines).toEqual(['cfgactvshow']);
  });

  it('refuses a second initiator on an unshared LUN, naming both, before any change', async () => {
    const { driver, ssh } = driverWith({ answers: { cfgactvshow: [effective({ rs_db_01_boot: [HBA_1, ARRAY_PORT] })] } });
    const err = await driver.mask('db-01-boot', HBA_2).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LunMaskConflictError);
    expect((err as Error).message).toContain(HBA_1);
    expect((err as Error).message).toContain(HBA_2);
    expect(ssh.lines).toEqual(['cfgactvshow']);
  });

  it('removes one of two initiators with zoneremove, and the last one by removing and deleting the zone', async () => {
    const two = driverWith({ answers: { cfgactvshow: [effective({ rs_vmstore_1: [HBA_1, HBA_2, ARRAY_PORT] }), effective({ rs_vmstore_1: [HBA_1, ARRAY_PORT] })] } });
    expect(await two.driver.unmask('vmstore-1', HBA_2)).toEqual({ already: false, holdersBefore: [HBA_1, HBA_2] });
    expect(two.ssh.lines).toEqual(['cfgactvshow', `zoneremove "rs_vmstore_1", "${HBA_2}"`, ...SAVE_AND_ENABLE, 'cfgactvshow']);

    const last = driverWith({ answers: { cfgactvshow: [effective({ rs_db_01_boot: [HBA_1, ARRAY_PORT], other: [ARRAY_PORT] }), effective({ other: [ARRAY_PORT] })] } });
    await last.driver.unmask('db-01-boot', HBA_1);
    expect(last.ssh.lines).toEqual(['cfgactvshow', 'cfgremove "cfg_prod", "rs_db_01_boot"', 'zonedelete "rs_db_01_boot"', ...SAVE_AND_ENABLE, 'cfgactvshow']);
  });

  it('aborts the zoning transaction when a change is refused', async () => {
    const zonecreate = `zonecreate "rs_db_01_boot", "${HBA_1}; ${ARRAY_PORT}"`;
    const { driver, ssh } = driverWith({ answers: { cfgactvshow: [effective({})], [zonecreate]: ['error: "rs_db_01_boot" duplicate name'] } });
    const err = await driver.mask('db-01-boot', HBA_1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageCommandError);
    expect((err as Error).message).toContain('duplicate name');
    expect(ssh.lines).toEqual(['cfgactvshow', zonecreate, 'cfgtransabort']);
  });

  it('aborts when enabling fails after the "y"', async () => {
    const { driver, ssh } = driverWith({ answers: { cfgactvshow: [effective({})], y: ['', 'Error: zone config "cfg_prod" failed to enable'] } });
    await expect(driver.mask('db-01-boot', HBA_1)).rejects.toBeInstanceOf(StorageCommandError);
    expect(ssh.lines.slice(-3)).toEqual(['cfgenable "cfg_prod"', 'y', 'cfgtransabort']);
  });

  it('a transaction held by another session is retryable', async () => {
    const { driver } = driverWith({ answers: { cfgactvshow: [effective({})], cfgsave: ['Zone transaction is locked by another session'] } });
    const err = (await driver.mask('db-01-boot', HBA_1).catch((e: unknown) => e)) as StorageCommandError;
    expect(err).toBeInstanceOf(StorageCommandError);
    expect(err.retryable).toBe(true);
  });

  it('refuses to enable its config over a different effective configuration', async () => {
    const { driver, ssh } = driverWith({ answers: { cfgactvshow: [effective({}, 'cfg_other')] } });
    await expect(driver.mask('db-01-boot', HBA_1)).rejects.toBeInstanceOf(UnsupportedStorageOperationError);
    expect(ssh.lines).toEqual(['cfgactvshow']);
  });

  it('validates WWPNs and LUN ids before connecting', async () => {
    const { driver, ssh } = driverWith({});
    await expect(driver.mask('db-01-boot', '10:00:00:00:c9:00:00:01"; cfgclear; "')).rejects.toBeInstanceOf(ValidationError);
    await expect(driver.mask('db-01-boot', 'iqn.2026-11.x:host')).rejects.toBeInstanceOf(ValidationError);
    await expect(driver.mask('nope', HBA_1)).rejects.toThrow('unknown LUN zoned on fab-a "nope"');
    expect(ssh.connects).toBe(0);
    expect(() => new BrocadeZoningDriver({ fabric, connector: ssh, luns, targetPorts: ['50:06'] }).validate()).toThrow(ValidationError);
  });

  it('reads cfgactvshow with members on their own lines or several per line', () => {
    const zoning = parseCfgActvShow(['Effective configuration:', ' cfg:   cfg_prod', ' zone:  rs_a   10:00:00:00:C9:00:00:01; 50:06:01:60:3b:a0:11:22', ' zone:  rs_b', '                10:00:00:00:c9:00:00:02', ''].join('\n'));
    expect(zoning.cfg).toBe('cfg_prod');
    expect(Object.fromEntries(zoning.zones)).toEqual({ rs_a: [HBA_1, ARRAY_PORT], rs_b: [HBA_2] });
  });

  it('lists zoned LUNs and their holders', async () => {
    const { driver } = driverWith({ answers: { cfgactvshow: [effective({ rs_db_01_boot: [HBA_1, ARRAY_PORT], rs_vmstore_1: [HBA_1, HBA_2, ARRAY_PORT], foreign: [HBA_1] })] } });
    expect(await driver.listVisibleTo(HBA_1)).toEqual(['db-01-boot', 'vmstore-1']);
    expect(await driver.listHolders('vmstore-1')).toEqual([HBA_1, HBA_2]);
  });
});
