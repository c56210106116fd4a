import { readFileSync } from 'node:fs';
import { StaticSecretStore } from '../../common/secrets';
import { Ssh2Connector } from '../../drivers/ssh/ssh2-connector';
import { BrocadeZoningDriver } from '../../drivers/storage/brocade-zoning-driver';
import { LunMaskConflictError, StorageCommandError } from '../../drivers/storage/storage-errors';
import { fabricSchema, lunSchema } from '../../inventory/topology-schema';
import { FOS_PROFILE_NAMES, type FosProfileName } from '../../lab/fabric/fos-profiles';
import { LabFabric } from '../../lab/fabric/lab-fabric';
import { labKeyFile } from '../../lab/lab-keys';
import { startLabSshShellServer, type LabSshShellServer } from '../../lab/ssh/lab-ssh-shell-server';
import { freePort } from '../support/free-port';

jest.setTimeout(30_000);

const HBA_1 = '10:00:00:00:c9:00:00:01';
const HBA_2 = '10:00:00:00:c9:00:00:02';
const ARRAY_PORT = '50:06:01:60:3b:a0:11:22';
const OTHER = '10:00:00:00:c9:aa:aa:aa';
const credential = { username: 'admin', password: 'fos-lab-password' };
const luns = [
  lunSchema.parse({ id: 'db-01-boot', sizeGiB: 40 }),
  lunSchema.parse({ id: 'vmstore-1', sizeGiB: 2000, shared: true }),
];

let server: LabSshShellServer;
let fabric: LabFabric;
const drivers: BrocadeZoningDriver[] = [];

function driver(): BrocadeZoningDriver {
  const spec = fabric.spec;
  const d = new BrocadeZoningDriver({
    fabric: spec,
    array: 'a1',
    connector: new Ssh2Connector(new StaticSecretStore({ fabric: credential }), {
      connectAttempts: 1,
      commandTimeoutMs: 5_000,
    }),
    luns,
    targetPorts: [ARRAY_PORT],
  });
  d.validate();
  drivers.push(d);
  return d;
}

/** Defined and effective databases as plain data. */
function state(): { defined: unknown; effective: unknown } {
  const { defined, effective } = fabric.describe() as { defined: unknown; effective: unknown };
  return { defined, effective };
}

beforeAll(async () => {
  const port = await freePort();
  const spec = fabricSchema.parse({
    id: 'fab-a',
    vendor: 'brocade',
    address: '127.0.0.1',
    port,
    credential: 'fabric',
    hostKeyFingerprint: 'SHA256:Hqo6iFK/Ohi1BUKQLyRqVYRcy0jxpOyWEwedfq6fM6I',
    zoneConfig: 'cfg_prod',
  });
  fabric = new LabFabric(spec, credential.username);
  server = await startLabSshShellServer({
    port,
    hostKey: readFileSync(labKeyFile('lab_host_ed25519')),
    credential,
    newCli: () => fabric.newCli(),
  });
});

afterEach(async () => {
  for (const d of drivers.splice(0)) await d.close();
});

afterAll(async () => {
  await server?.stop();
});

/**
 * Starts each case from a fabric that runs one unrelated zone in the configuration rackshift
 * shares.
 */
function reset(profile: FosProfileName): void {
  fabric.clear();
  fabric.faults.refuseEnable = 0;
  fabric.log.length = 0;
  fabric.seedZone('ops_backup', [OTHER, ARRAY_PORT]);
  fabric.setProfile(profile);
}

const WRITABLE = FOS_PROFILE_NAMES.filter((p) => p !== 'foreign-transaction');

describe.each(WRITABLE)('Brocade driver against the lab FOS peer (%s)', (profile) => {
  beforeEach(() => reset(profile));

  it('zones with cfgenable (which saves), never a separate cfgsave, and both databases agree', async () => {
    expect(await driver().mask('db-01-boot', HBA_1)).toEqual({ already: false, holdersBefore: [] });
    expect(fabric.log.map((l) => l.line)).not.toContain('cfgsave');
    const s = state();
    expect(s.effective).toEqual({
      cfg: 'cfg_prod',
      zones: { ops_backup: [OTHER, ARRAY_PORT], rs_a1_db_01_boot: [HBA_1, ARRAY_PORT] },
    });
    expect((s.defined as { zones: unknown }).zones).toEqual({
      ops_backup: [OTHER, ARRAY_PORT],
      rs_a1_db_01_boot: [HBA_1, ARRAY_PORT],
    });
    expect(await driver().mask('db-01-boot', HBA_1)).toEqual({
      already: true,
      holdersBefore: [HBA_1],
    });
    expect(await driver().listVisibleTo(HBA_1)).toEqual(['db-01-boot']);
    expect(fabric.zoning.transaction).toBeUndefined();
  });

  it('a refused cfgenable leaves both databases as they were, and the retry zones (no "duplicate name")', async () => {
    const before = state();
    fabric.faults.refuseEnable = 1;
    const err = (await driver()
      .mask('db-01-boot', HBA_1)
      .catch((e: unknown) => e)) as StorageCommandError;
    expect(err).toBeInstanceOf(StorageCommandError);
    expect(state()).toEqual(before);
    expect(fabric.zoning.transaction).toBeUndefined();
    expect(await driver().mask('db-01-boot', HBA_1)).toEqual({ already: false, holdersBefore: [] });
    expect(fabric.zonesOf(HBA_1)).toEqual(['rs_a1_db_01_boot']);
  });

  it('plans from the defined database: a zone defined but never enabled is enabled, not created twice', async () => {
    const db = fabric.zoning.defined;
    db.zones.set('rs_a1_db_01_boot', [HBA_1, ARRAY_PORT]);
    db.cfgs.get('cfg_prod')?.push('rs_a1_db_01_boot');
    expect(await driver().mask('db-01-boot', HBA_1)).toEqual({ already: false, holdersBefore: [] });
    expect(fabric.zonesOf(HBA_1)).toEqual(['rs_a1_db_01_boot']);
    expect(fabric.log.map((l) => l.line).filter((l) => l.startsWith('zonecreate'))).toEqual([]);
  });

  it('counts a holder that is only defined: a second initiator on an unshared LUN is refused', async () => {
    const db = fabric.zoning.defined;
    db.zones.set('rs_a1_db_01_boot', [HBA_1, ARRAY_PORT]);
    db.cfgs.get('cfg_prod')?.push('rs_a1_db_01_boot');
    await expect(driver().mask('db-01-boot', HBA_2)).rejects.toBeInstanceOf(LunMaskConflictError);
  });

  it('shares a shared LUN, unzones one holder with zoneremove and the last with cfgremove + zonedelete', async () => {
    await driver().mask('vmstore-1', HBA_1);
    expect(await driver().mask('vmstore-1', HBA_2)).toEqual({
      already: false,
      holdersBefore: [HBA_1],
    });
    expect(await driver().unmask('vmstore-1', HBA_2)).toEqual({
      already: false,
      holdersBefore: [HBA_1, HBA_2],
    });
    expect(await driver().unmask('vmstore-1', HBA_1)).toEqual({
      already: false,
      holdersBefore: [HBA_1],
    });
    expect(await driver().unmask('vmstore-1', HBA_1)).toEqual({ already: true, holdersBefore: [] });
    expect(state().effective).toEqual({
      cfg: 'cfg_prod',
      zones: { ops_backup: [OTHER, ARRAY_PORT] },
    });
  });

  it("takes turns between driver instances of one process, so parallel masks do not refuse each other's transaction", async () => {
    const [a, b] = await Promise.all([
      driver().mask('db-01-boot', HBA_1),
      driver().mask('vmstore-1', HBA_2),
    ]);
    expect([a.already, b.already]).toEqual([false, false]);
    expect([fabric.zonesOf(HBA_1), fabric.zonesOf(HBA_2)]).toEqual([
      ['rs_a1_db_01_boot'],
      ['rs_a1_vmstore_1'],
    ]);
  });

  it('unzones the last zone of the configuration with cfgdisable + cfgdelete, and zones again afterwards', async () => {
    fabric.clear();
    await driver().mask('db-01-boot', HBA_1);
    expect(await driver().unmask('db-01-boot', HBA_1)).toEqual({
      already: false,
      holdersBefore: [HBA_1],
    });
    expect(state()).toEqual({ defined: { cfgs: {}, zones: {} }, effective: null });
    expect(fabric.log.map((l) => l.line)).toEqual(
      expect.arrayContaining([
        'cfgdisable',
        'cfgdelete "cfg_prod"',
        'zonedelete "rs_a1_db_01_boot"',
        'cfgsave',
      ]),
    );
    expect(await driver().mask('db-01-boot', HBA_2)).toEqual({ already: false, holdersBefore: [] });
    expect(fabric.zonesOf(HBA_2)).toEqual(['rs_a1_db_01_boot']);
  });
});

describe('Brocade driver against the lab FOS peer (foreign-transaction)', () => {
  beforeEach(() => reset('foreign-transaction'));

  it("is refused retryably, and neither aborts nor touches the other session's transaction", async () => {
    const before = state();
    const token = fabric.zoning.transaction?.token;
    const err = (await driver()
      .mask('db-01-boot', HBA_1)
      .catch((e: unknown) => e)) as StorageCommandError;
    expect(err).toBeInstanceOf(StorageCommandError);
    expect(err.retryable).toBe(true);
    expect(err.message).toContain('outstanding transaction');
    expect(fabric.log.map((l) => l.line)).not.toContain('cfgtransabort');
    expect(fabric.zoning.transaction?.token).toBe(token);
    expect(fabric.zoning.transaction?.working.zones.has('ops_pending')).toBe(true);
    expect(state()).toEqual(before);
  });

  it('still reads: holders come from the effective configuration', async () => {
    expect(await driver().listHolders('db-01-boot')).toEqual([]);
    expect(await driver().listVisibleTo(OTHER)).toEqual([]);
  });
});

describe('a lab fabric across a lab restart', () => {
  beforeEach(() => reset('fos-9'));

  it('keeps its defined and effective zoning, profile and faults, but no transaction (it ends with its session)', async () => {
    await driver().mask('db-01-boot', HBA_1);
    fabric.faults.refuseEnable = 2;
    fabric.zoning.open(7);
    const restarted = new LabFabric(fabric.spec, credential.username);
    restarted.restore(JSON.parse(JSON.stringify(fabric.snapshot())));
    const { transaction, ...kept } = restarted.describe() as { transaction: unknown };
    const { transaction: before, ...was } = fabric.describe() as { transaction: unknown };
    expect(before).not.toBeNull();
    expect(transaction).toBeNull();
    expect(kept).toEqual(was);
    expect(restarted.faults.refuseEnable).toBe(2);
    expect(restarted.zonesOf(HBA_1)).toEqual(['rs_a1_db_01_boot']);
    fabric.zoning.transaction = undefined;
  });
});
