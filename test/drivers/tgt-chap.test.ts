import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { StaticSecretStore } from '../../common/secrets';
import type { ChapAccount } from '../../drivers/storage/chap-account';
import { Ssh2Connector } from '../../drivers/ssh/ssh2-connector';
import { createArrayDriver } from '../../drivers/storage/create-array-driver';
import type { StorageArrayDriver } from '../../drivers/storage/lun-access-driver';
import { iscsiLunAddress } from '../../drivers/storage/lun-target';
import { arraySchema, type StorageArray } from '../../inventory/topology-schema';
import { CountingConnector } from '../support/counting-connector';
import { requireTool } from '../support/require-tool';
import { startSshd, type RealSshd } from '../support/sshd';
import { startTgtd, type RealTgtd } from '../support/tgtd';

const run = promisify(execFile);
jest.setTimeout(60_000);

const HOST_A = 'iqn.2026-11.test.rackshift:chap-host-a';
const WEB: ChapAccount = { user: 'chap-web', secret: 'Web-Secret-4f9a2c71' };

/**
 * libiscsi's iscsi-inq logging in as `initiator`; the CHAP user and secret go through its
 * environment (LIBISCSI_CHAP_USERNAME/_PASSWORD, iscsi-inq(1)), not its argv.
 */
async function inquiry(
  initiator: string,
  array: StorageArray,
  lun: string,
  chap?: ChapAccount,
): Promise<{ ok: boolean; output: string }> {
  const at = iscsiLunAddress(array, lun);
  const env = {
    ...process.env,
    ...(chap !== undefined && {
      LIBISCSI_CHAP_USERNAME: chap.user,
      LIBISCSI_CHAP_PASSWORD: chap.secret,
    }),
  };
  try {
    const r = await run(
      requireTool('iscsi-inq'),
      ['-i', initiator, `iscsi://${at.portalAddress}:${at.portalPort}/${at.targetIqn}/${at.lun}`],
      { timeout: 20_000, env },
    );
    return { ok: true, output: r.stdout };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    return { ok: false, output: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}

describe('CHAP on tgt targets, against a real tgtd over SSH', () => {
  let tgtd: RealTgtd;
  let sshd: RealSshd;
  let dir: string;
  let array: StorageArray;
  let connector: CountingConnector;
  let plain: StorageArrayDriver;
  let withChap: StorageArrayDriver;

  beforeAll(async () => {
    requireTool('iscsi-inq');
    tgtd = await startTgtd();
    sshd = await startSshd();
    dir = await mkdtemp(join(tmpdir(), 'rackshift-tgt-chap-'));
    await mkdir(join(dir, 'conf.d'));
    await writeFile(join(dir, 'targets.conf'), `include ${join(dir, 'conf.d')}/*.conf\n`);
    for (const name of ['web-boot', 'db-boot'])
      await run('truncate', ['-s', '16M', join(dir, `${name}.img`)]);
    array = arraySchema.parse({
      id: 'tgt-chap',
      kind: 'tgt',
      address: '127.0.0.1',
      port: sshd.port,
      credential: 'tgt-host',
      hostKeyFingerprint: sshd.hostKeyFingerprint,
      portal: { address: '127.0.0.1', port: tgtd.portalPort },
      targetIqn: 'iqn.2026-11.test.rackshift:tgt-chap',
      luns: [
        { id: 'web-boot', sizeGiB: 1, backing: join(dir, 'web-boot.img') },
        { id: 'db-boot', sizeGiB: 1, backing: join(dir, 'db-boot.img') },
      ],
    });
    const secrets = new StaticSecretStore({
      'tgt-host': { username: sshd.username, privateKey: sshd.privateKey },
    });
    connector = new CountingConnector(new Ssh2Connector(secrets, { commandTimeoutMs: 20_000 }));
    const options = {
      tgtControlPort: tgtd.controlPort,
      tgtConfDir: join(dir, 'conf.d'),
      tgtTargetsConf: join(dir, 'targets.conf'),
    };
    plain = createArrayDriver(array, connector, options);
    withChap = createArrayDriver(array, connector, { ...options, chapFor: () => WEB });
  });

  afterAll(async () => {
    await plain?.close();
    await withChap?.close();
    await sshd?.stop();
    await tgtd?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('creates a target that refuses a login without the secret or with a wrong one, and admits the masked initiator with it', async () => {
    await withChap.ensureLun('web-boot');
    await withChap.mask('web-boot', HOST_A);
    const none = await inquiry(HOST_A, array, 'web-boot');
    expect(none.ok).toBe(false);
    expect(none.output).toMatch(/login failed|authentication/i);
    expect(
      (await inquiry(HOST_A, array, 'web-boot', { ...WEB, secret: 'Wrong-Secret-000000' })).ok,
    ).toBe(false);
    const good = await inquiry(HOST_A, array, 'web-boot', WEB);
    expect(good.output).toContain('Peripheral Device Type:DIRECT_ACCESS');
    expect(good.ok).toBe(true);
  });

  it('binds CHAP to a target created and masked without it, when it is masked again with CHAP', async () => {
    await plain.ensureLun('db-boot');
    await plain.mask('db-boot', HOST_A);
    expect((await inquiry(HOST_A, array, 'db-boot')).ok).toBe(true);
    expect(await withChap.mask('db-boot', HOST_A)).toEqual({
      already: true,
      holdersBefore: [HOST_A],
    });
    expect((await inquiry(HOST_A, array, 'db-boot')).ok).toBe(false);
    expect((await inquiry(HOST_A, array, 'db-boot', WEB)).ok).toBe(true);
    expect(await withChap.listHolders('db-boot')).toEqual([HOST_A]);
  });

  it('keeps masks and CHAP across a restart of tgtd (the account lives in the target file, mode 0600)', async () => {
    const conf = join(dir, 'conf.d', 'rackshift-web-boot.conf');
    expect(await readFile(conf, 'utf8')).toContain(`incominguser ${WEB.user} ${WEB.secret}`);
    expect((await stat(conf)).mode & 0o777).toBe(0o600);
    await tgtd.restart(join(dir, 'targets.conf'));
    expect(await withChap.listHolders('web-boot')).toEqual([HOST_A]);
    expect((await inquiry(HOST_A, array, 'web-boot')).ok).toBe(false);
    expect((await inquiry(HOST_A, array, 'web-boot', WEB)).ok).toBe(true);
    expect((await inquiry(HOST_A, array, 'db-boot')).ok).toBe(false);
    expect((await inquiry(HOST_A, array, 'db-boot', WEB)).ok).toBe(true);
  });

  it('keeps CHAP when the LUN is unmasked and masked again, and the secret never appears in a command line sent over SSH', async () => {
    await withChap.unmask('web-boot', HOST_A);
    expect((await inquiry(HOST_A, array, 'web-boot', WEB)).ok).toBe(false);
    await withChap.mask('web-boot', HOST_A);
    expect((await inquiry(HOST_A, array, 'web-boot')).ok).toBe(false);
    expect((await inquiry(HOST_A, array, 'web-boot', WEB)).ok).toBe(true);
    expect(connector.commands.length).toBeGreaterThan(10);
    expect(connector.commands.filter((c) => c.includes(WEB.secret))).toEqual([]);
  });
});
