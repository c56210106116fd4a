import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ValidationError } from '../../common/errors';
import { StaticSecretStore } from '../../common/secrets';
import { Ssh2Connector } from '../../drivers/ssh/ssh2-connector';
import { createArrayDriver } from '../../drivers/storage/create-array-driver';
import type { StorageArrayDriver } from '../../drivers/storage/lun-access-driver';
import { iscsiLunAddress } from '../../drivers/storage/lun-target';
import {
  LunInUseError,
  LunMaskConflictError,
  StorageCommandError,
  UnsupportedStorageOperationError,
} from '../../drivers/storage/storage-errors';
import { arraySchema, type StorageArray } from '../../inventory/topology-schema';
import { CountingConnector } from '../support/counting-connector';
import { requireTool } from '../support/require-tool';
import { startSshd, type RealSshd } from '../support/sshd';
import { startTgtd, type RealTgtd } from '../support/tgtd';

const run = promisify(execFile);
jest.setTimeout(60_000);

const HOST_A = 'iqn.2026-11.test.rackshift:host-a';
const HOST_B = 'iqn.2026-11.test.rackshift:host-b';

/** libiscsi's initiator: can `initiator` log in to the LUN and read its INQUIRY data? */
async function inquiry(
  initiator: string,
  array: StorageArray,
  lun: string,
): Promise<{ ok: boolean; output: string }> {
  const at = iscsiLunAddress(array, lun);
  try {
    const r = await run(
      requireTool('iscsi-inq'),
      ['-i', initiator, `iscsi://${at.portalAddress}:${at.portalPort}/${at.targetIqn}/${at.lun}`],
      { timeout: 20_000 },
    );
    return { ok: true, output: r.stdout };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    return { ok: false, output: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}

async function discovered(initiator: string, portalPort: number): Promise<string> {
  return (
    await run(requireTool('iscsi-ls'), ['-i', initiator, '-s', `iscsi://127.0.0.1:${portalPort}`], {
      timeout: 20_000,
    })
  ).stdout;
}

describe('tgt driver against a real tgtd, over SSH to a real sshd', () => {
  let tgtd: RealTgtd;
  let sshd: RealSshd;
  let dir: string;
  let array: StorageArray;
  let connector: CountingConnector;
  let driver: StorageArrayDriver;

  beforeAll(async () => {
    requireTool('iscsi-inq');
    requireTool('iscsi-ls');
    tgtd = await startTgtd();
    sshd = await startSshd();
    dir = await mkdtemp(join(tmpdir(), 'rackshift-tgt-'));
    // Debian's layout: targets.conf includes conf.d/*.conf, which the driver writes.
    await mkdir(join(dir, 'conf.d'));
    await writeFile(join(dir, 'targets.conf'), `include ${join(dir, 'conf.d')}/*.conf\n`);
    for (const name of ['boot-a', 'data-b', 'shared-c', 'orphan-d'])
      await writeFile(join(dir, `${name}.img`), Buffer.alloc(0)).then(() =>
        run('truncate', ['-s', '16M', join(dir, `${name}.img`)]),
      );
    array = arraySchema.parse({
      id: 'tgt-1',
      kind: 'tgt',
      address: '127.0.0.1',
      port: sshd.port,
      credential: 'tgt-host',
      hostKeyFingerprint: sshd.hostKeyFingerprint,
      portal: { address: '127.0.0.1', port: tgtd.portalPort },
      targetIqn: 'iqn.2026-11.test.rackshift:tgt-1',
      luns: [
        { id: 'boot-a', sizeGiB: 1, backing: join(dir, 'boot-a.img') },
        { id: 'data-b', sizeGiB: 1, backing: join(dir, 'data-b.img') },
        { id: 'shared-c', sizeGiB: 1, backing: join(dir, 'shared-c.img'), shared: true },
        { id: 'no-file', sizeGiB: 1, backing: join(dir, 'no-file.img') },
        { id: 'orphan-d', sizeGiB: 1, backing: join(dir, 'orphan-d.img') },
      ],
    });
    const secrets = new StaticSecretStore({
      'tgt-host': { username: sshd.username, privateKey: sshd.privateKey },
    });
    connector = new CountingConnector(new Ssh2Connector(secrets, { commandTimeoutMs: 20_000 }));
    driver = createArrayDriver(array, connector, {
      tgtControlPort: tgtd.controlPort,
      tgtConfDir: join(dir, 'conf.d'),
      tgtTargetsConf: join(dir, 'targets.conf'),
    });
    driver.validate();
  });

  afterAll(async () => {
    await driver?.close();
    await sshd?.stop();
    await tgtd?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('provisions one target per LUN, idempotently', async () => {
    expect(await driver.ensureLun('boot-a')).toEqual({ created: true });
    expect(await driver.ensureLun('boot-a')).toEqual({ created: false });
    await driver.ensureLun('data-b');
    await driver.ensureLun('shared-c');
    const show = (
      await run(requireTool('tgtadm'), [
        '-C',
        String(tgtd.controlPort),
        '--lld',
        'iscsi',
        '--mode',
        'target',
        '--op',
        'show',
      ])
    ).stdout;
    expect(show).toContain('Target 1: iqn.2026-11.test.rackshift:tgt-1:boot-a');
    expect(show).toContain(`Backing store path: ${join(dir, 'boot-a.img')}`);
    expect(show).toContain('Target 3: iqn.2026-11.test.rackshift:tgt-1:shared-c');
    expect(await driver.listHolders('boot-a')).toEqual([]);
  });

  it('refuses to create a target whose file the tgt service would not read at its next start (conf.d not included)', async () => {
    await writeFile(join(dir, 'no-include.conf'), 'default-driver iscsi\n');
    const misconfigured = createArrayDriver(array, connector, {
      tgtControlPort: tgtd.controlPort,
      tgtConfDir: join(dir, 'conf.d'),
      tgtTargetsConf: join(dir, 'no-include.conf'),
    });
    try {
      const err = await misconfigured.ensureLun('orphan-d').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UnsupportedStorageOperationError);
      expect((err as Error).message).toContain(`must include ${join(dir, 'conf.d')}/*.conf`);
    } finally {
      await misconfigured.close();
    }
    expect(await driver.listHolders('orphan-d')).toEqual([]);
  });

  it('refuses a LUN whose backing file is missing (tgt-admin would skip it silently) and leaves no target or file behind', async () => {
    const err = await driver.ensureLun('no-file').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageCommandError);
    expect((err as Error).message).toContain('No such file or directory');
    expect(existsSync(join(dir, 'conf.d', 'rackshift-no-file.conf'))).toBe(false);
    expect(await driver.listHolders('no-file')).toEqual([]);
  });

  it('masks a LUN to one initiator; only that initiator can log in and read it', async () => {
    expect(await driver.mask('boot-a', HOST_A)).toEqual({ already: false, holdersBefore: [] });
    expect(await driver.mask('boot-a', HOST_A)).toEqual({ already: true, holdersBefore: [HOST_A] });
    expect(await driver.listHolders('boot-a')).toEqual([HOST_A]);
    expect(await driver.listVisibleTo(HOST_A)).toEqual(['boot-a']);
    expect(await driver.listVisibleTo(HOST_B)).toEqual([]);

    const seen = await inquiry(HOST_A, array, 'boot-a');
    expect(seen.output).toContain('Peripheral Device Type:DIRECT_ACCESS');
    expect(seen.ok).toBe(true);
    const refused = await inquiry(HOST_B, array, 'boot-a');
    expect(refused.ok).toBe(false);
    expect(refused.output).toMatch(/Login Failed|not found/i);

    // Discovery shows each initiator exactly the targets it may use: data-b is masked to nobody.
    const listA = await discovered(HOST_A, tgtd.portalPort);
    expect(listA).toContain('iqn.2026-11.test.rackshift:tgt-1:boot-a');
    expect(listA).not.toContain(':data-b');
    expect(await discovered(HOST_B, tgtd.portalPort)).not.toContain(':boot-a');
  });

  it('refuses a second initiator on a LUN that is not shared, naming both, and changes nothing', async () => {
    const before = connector.commands.length;
    const err = await driver.mask('boot-a', HOST_B).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LunMaskConflictError);
    expect((err as LunMaskConflictError).holders).toEqual([HOST_A]);
    expect((err as Error).message).toContain(HOST_A);
    expect((err as Error).message).toContain(HOST_B);
    expect((err as LunMaskConflictError).retryable).toBe(false);
    expect(connector.commands.slice(before).every((c) => c.includes('--op show'))).toBe(true);
    expect(await driver.listHolders('boot-a')).toEqual([HOST_A]);
    expect((await inquiry(HOST_B, array, 'boot-a')).ok).toBe(false);
  });

  it('lets a shared LUN be masked to several initiators', async () => {
    await driver.mask('shared-c', HOST_A);
    expect(await driver.mask('shared-c', HOST_B)).toEqual({
      already: false,
      holdersBefore: [HOST_A],
    });
    expect(await driver.listHolders('shared-c')).toEqual([HOST_A, HOST_B].sort());
    expect((await inquiry(HOST_B, array, 'shared-c')).ok).toBe(true);
  });

  it('keeps every LUN and mask across a restart of tgtd (tgt-admin -e reads the target files), exposing nothing to ALL', async () => {
    const before = {
      boot: await driver.listHolders('boot-a'),
      data: await driver.listHolders('data-b'),
      shared: await driver.listHolders('shared-c'),
    };
    expect(before).toEqual({ boot: [HOST_A], data: [], shared: [HOST_A, HOST_B].sort() });
    expect(await readFile(join(dir, 'conf.d', 'rackshift-boot-a.conf'), 'utf8')).toContain(
      `initiator-name ${HOST_A}`,
    );
    await tgtd.restart(join(dir, 'targets.conf'));
    expect({
      boot: await driver.listHolders('boot-a'),
      data: await driver.listHolders('data-b'),
      shared: await driver.listHolders('shared-c'),
    }).toEqual(before);
    expect(await driver.ensureLun('boot-a')).toEqual({ created: false });
    expect((await inquiry(HOST_A, array, 'boot-a')).ok).toBe(true);
    expect((await inquiry(HOST_B, array, 'boot-a')).ok).toBe(false);
    expect((await inquiry(HOST_A, array, 'data-b')).ok).toBe(false);
    expect((await inquiry(HOST_B, array, 'shared-c')).ok).toBe(true);
  });

  it('validates initiator names by pattern before building any command', async () => {
    const before = connector.commands.length;
    await expect(driver.mask('boot-a', 'iqn.2026-11.x:a; rm -rf /')).rejects.toBeInstanceOf(
      ValidationError,
    );
    await expect(driver.mask('boot-a', 'IQN.2026-11.X:UPPER')).rejects.toBeInstanceOf(
      ValidationError,
    );
    await expect(driver.unmask('../boot-a', HOST_A)).rejects.toBeInstanceOf(ValidationError);
    expect(connector.commands.length).toBe(before);
  });

  it('unmasks idempotently, after which the other initiator may take the LUN', async () => {
    expect(await driver.unmask('boot-a', HOST_A)).toEqual({
      already: false,
      holdersBefore: [HOST_A],
    });
    expect(await driver.unmask('boot-a', HOST_A)).toEqual({ already: true, holdersBefore: [] });
    expect((await inquiry(HOST_A, array, 'boot-a')).ok).toBe(false);
    await driver.mask('boot-a', HOST_B);
    expect((await inquiry(HOST_B, array, 'boot-a')).ok).toBe(true);
  });

  it('clones a LUN for a drill, refuses to delete it while masked, then deletes it and its file', async () => {
    expect(await driver.createSnapshotClone('boot-a', 'boot-a-drill')).toEqual({ created: true });
    expect(await driver.createSnapshotClone('boot-a', 'boot-a-drill')).toEqual({ created: false });
    expect(existsSync(join(dir, 'boot-a-drill.img'))).toBe(true);
    expect(await driver.listHolders('boot-a-drill')).toEqual([]);
    await driver.mask('boot-a-drill', HOST_A);
    expect((await inquiry(HOST_A, array, 'boot-a-drill')).ok).toBe(true);
    await expect(driver.deleteSnapshotClone('boot-a-drill')).rejects.toBeInstanceOf(LunInUseError);
    await expect(driver.deleteSnapshotClone('boot-a')).rejects.toBeInstanceOf(ValidationError);
    await driver.unmask('boot-a-drill', HOST_A);
    expect(await driver.deleteSnapshotClone('boot-a-drill')).toEqual({ deleted: true });
    expect(await driver.deleteSnapshotClone('boot-a-drill')).toEqual({ deleted: false });
    expect(existsSync(join(dir, 'boot-a-drill.img'))).toBe(false);
    expect(await driver.listHolders('boot-a')).toEqual([HOST_B]);
  });
});
