import { ValidationError } from '../../common/errors';
import type { ExecResult, SshConnector, SshSession } from '../../drivers/ssh/ssh-transport';
import type { ArrayState } from '../../drivers/storage/array-dialect';
import { createArrayDriver } from '../../drivers/storage/create-array-driver';
import { LunMaskConflictError, StorageCommandError } from '../../drivers/storage/storage-errors';
import { parseTargetcliState } from '../../drivers/storage/targetcli-tree-parser';
import { targetcliDialect } from '../../drivers/storage/targetcli-dialect';
import { arraySchema } from '../../inventory/topology-schema';
import { LabArray } from '../../lab/san/lab-array';

const BASE = 'iqn.2026-11.test.rackshift:lio-1';
const HOST_A = 'iqn.2026-11.test.rackshift:host-a';
const HOST_B = 'iqn.2026-11.test.rackshift:host-b';

/** `targetcli ls /` as targetcli-fb 2.1 prints it (trimmed dots), with one LUN masked to HOST_A. */
const REAL_TREE = `o- / ......................................................................................................................... [...]
  o- backstores .............................................................................................................. [...]
  | o- block .................................................................................................. [Storage Objects: 1]
  | | o- db-data ............................................................ [/dev/vg0/db-data (500.0GiB) write-thru activated]
  | |   o- alua ................................................................................................... [ALUA Groups: 1]
  | |     o- default_tg_pt_gp ....................................................................... [ALUA state: Active/optimized]
  | o- fileio ................................................................................................. [Storage Objects: 1]
  | | o- web-boot ............................................... [/srv/luns/web-boot.img (20.0GiB) write-back activated]
  | |   o- alua ................................................................................................... [ALUA Groups: 1]
  | |     o- default_tg_pt_gp ....................................................................... [ALUA state: Active/optimized]
  | o- pscsi .................................................................................................. [Storage Objects: 0]
  | o- ramdisk ................................................................................................ [Storage Objects: 0]
  o- iscsi ............................................................................................................ [Targets: 3]
  | o- ${BASE}:web-boot ........................................................................ [TPGs: 1]
  | | o- tpg1 ............................................................................................... [no-gen-acls, no-auth]
  | |   o- acls .......................................................................................................... [ACLs: 2]
  | |   | o- ${HOST_A} ........................................................................ [Mapped LUNs: 1]
  | |   | | o- mapped_lun1 ............................................................................ [lun1 fileio/web-boot (rw)]
  | |   | o- ${HOST_B} ........................................................................ [Mapped LUNs: 0]
  | |   o- luns .......................................................................................................... [LUNs: 1]
  | |   | o- lun1 ................................................ [fileio/web-boot (/srv/luns/web-boot.img) (default_tg_pt_gp)]
  | |   o- portals .................................................................................................... [Portals: 1]
  | |     o- 0.0.0.0:3260 ..................................................................................... [OK]
  | o- ${BASE}:db-data ......................................................................... [TPGs: 1]
  | | o- tpg1 .................................................................................................. [gen-acls, no-auth]
  | |   o- acls .......................................................................................................... [ACLs: 0]
  | |   o- luns .......................................................................................................... [LUNs: 1]
  | |   | o- lun1 ................................................... [block/db-data (/dev/vg0/db-data) (default_tg_pt_gp)]
  | |   o- portals .................................................................................................... [Portals: 1]
  | |     o- 0.0.0.0:3260 ..................................................................................... [OK]
  | o- iqn.2003-01.org.linux-iscsi.other:sn.1234 ........................................................................ [TPGs: 1]
  |   o- tpg1 ............................................................................................... [no-gen-acls, no-auth]
  o- loopback ......................................................................................................... [Targets: 0]
  o- vhost ............................................................................................................ [Targets: 0]
`;

const array = arraySchema.parse({
  id: 'lio-1',
  kind: 'lio',
  address: '127.0.0.1',
  credential: 'lio',
  hostKeyFingerprint: 'SHA256:Hqo6iFK/Ohi1BUKQLyRqVYRcy0jxpOyWEwedfq6fM6I',
  portal: { address: '127.0.0.1' },
  targetIqn: BASE,
  luns: [
    { id: 'web-boot', sizeGiB: 20, backing: '/srv/luns/web-boot.img' },
    { id: 'db-data', sizeGiB: 500, backing: '/dev/vg0/db-data' },
    { id: 'app-boot', sizeGiB: 20 },
    { id: 'vmstore', sizeGiB: 2000, shared: true, backing: '/srv/luns/vmstore.img' },
  ],
});

const EMPTY: ArrayState = { luns: new Map(), backstores: new Map() };

/** A fake SSH connection to a lab LIO array that records every command. */
function recordingLab(): {
  connector: SshConnector;
  lab: LabArray;
  commands: string[];
  stdin: string[];
} {
  const lab = new LabArray(array);
  const commands: string[] = [];
  const stdin: string[] = [];
  const session: SshSession = {
    exec: async (command, options): Promise<ExecResult> => {
      commands.push(command);
      if (options?.stdin !== undefined) stdin.push(options.stdin);
      return lab.exec(command, options?.stdin);
    },
    shell: () => Promise.reject(new Error('no shell')),
    close: async () => undefined,
  };
  return { connector: { connect: async () => session }, lab, commands, stdin };
}

describe('targetcli (LIO) dialect', () => {
  it('reads targets, LUN backings and ACLs from the targetcli tree', () => {
    const state = parseTargetcliState(REAL_TREE, BASE);
    expect([...state.luns.keys()]).toEqual(['web-boot', 'db-data']);
    expect(state.luns.get('web-boot')).toEqual({
      lunId: 'web-boot',
      targetIqn: `${BASE}:web-boot`,
      backing: '/srv/luns/web-boot.img',
      holders: [HOST_A],
      acls: [HOST_A, HOST_B],
    });
    expect(state.luns.get('db-data')?.holders).toEqual(['ALL']);
    expect(state.luns.get('db-data')?.backing).toBe('/dev/vg0/db-data');
    expect(Object.fromEntries(state.backstores)).toEqual({
      'db-data': 'block',
      'web-boot': 'fileio',
    });
  });

  it('provisions a file LUN: backstore, target, LUN 1, saveconfig', () => {
    expect(
      targetcliDialect.ensureLun(EMPTY, {
        lunId: 'app-boot',
        targetIqn: `${BASE}:app-boot`,
        backing: '/var/lib/rackshift/luns/app-boot.img',
        sizeGiB: 20,
      }),
    ).toEqual([
      'targetcli /backstores/fileio create name=app-boot file_or_dev=/var/lib/rackshift/luns/app-boot.img size=20G',
      `targetcli /iscsi create ${BASE}:app-boot`,
      `targetcli /iscsi/${BASE}:app-boot/tpg1/luns create /backstores/fileio/app-boot lun=1 add_mapped_luns=false`,
      'targetcli saveconfig',
    ]);
  });

  it('exports a block device as a block backstore and changes nothing that exists', () => {
    expect(
      targetcliDialect.ensureLun(EMPTY, {
        lunId: 'db-data',
        targetIqn: `${BASE}:db-data`,
        backing: '/dev/vg0/db-data',
        sizeGiB: 500,
      })[0],
    ).toBe('targetcli /backstores/block create name=db-data dev=/dev/vg0/db-data');
    expect(
      targetcliDialect.ensureLun(parseTargetcliState(REAL_TREE, BASE), {
        lunId: 'web-boot',
        targetIqn: `${BASE}:web-boot`,
        backing: '/srv/luns/web-boot.img',
        sizeGiB: 20,
      }),
    ).toEqual([]);
  });

  it('masks with an ACL and mapped LUN 1, reusing an ACL that exists without one', () => {
    const state = parseTargetcliState(REAL_TREE, BASE);
    const web = state.luns.get('web-boot');
    if (web === undefined) throw new Error('fixture');
    expect(targetcliDialect.mask({ ...web, acls: [] }, HOST_B, undefined)).toEqual([
      `targetcli /iscsi/${BASE}:web-boot/tpg1/acls create ${HOST_B} add_mapped_luns=false`,
      `targetcli /iscsi/${BASE}:web-boot/tpg1/acls/${HOST_B} create mapped_lun=1 tpg_lun_or_backstore=1`,
      'targetcli saveconfig',
    ]);
    expect(targetcliDialect.mask(web, HOST_B, undefined)).toEqual([
      `targetcli /iscsi/${BASE}:web-boot/tpg1/acls/${HOST_B} create mapped_lun=1 tpg_lun_or_backstore=1`,
      'targetcli saveconfig',
    ]);
    expect(targetcliDialect.unmask(web, HOST_A, undefined)).toEqual([
      `targetcli /iscsi/${BASE}:web-boot/tpg1/acls delete ${HOST_A}`,
      'targetcli saveconfig',
    ]);
  });

  it('clones by copying the backing file and adopting it; deletes target, backstore and file', () => {
    const state = parseTargetcliState(REAL_TREE, BASE);
    const source = {
      ...(state.luns.get('web-boot') as NonNullable<ReturnType<typeof state.luns.get>>),
      backing: '/srv/luns/web-boot.img',
    };
    const clone = {
      lunId: 'web-drill',
      targetIqn: `${BASE}:web-drill`,
      backing: '/srv/luns/web-drill.img',
      sizeGiB: 20,
    };
    expect(targetcliDialect.clone(state, source, clone)).toEqual([
      'cp --reflink=auto --sparse=always /srv/luns/web-boot.img /srv/luns/web-drill.img',
      'targetcli /backstores/fileio create name=web-drill file_or_dev=/srv/luns/web-drill.img',
      `targetcli /iscsi create ${BASE}:web-drill`,
      `targetcli /iscsi/${BASE}:web-drill/tpg1/luns create /backstores/fileio/web-drill lun=1 add_mapped_luns=false`,
      'targetcli saveconfig',
    ]);
    expect(targetcliDialect.deleteClone({ ...clone, holders: [], acls: [] })).toEqual([
      `targetcli /iscsi delete ${BASE}:web-drill`,
      'targetcli /backstores/fileio delete web-drill',
      'rm -f /srv/luns/web-drill.img',
      'targetcli saveconfig',
    ]);
  });

  it('refuses values that do not have their shape before building a command', () => {
    const web = parseTargetcliState(REAL_TREE, BASE).luns.get('web-boot');
    if (web === undefined) throw new Error('fixture');
    expect(() =>
      targetcliDialect.mask(web, 'iqn.2026-11.x:a saveconfig; reboot', undefined),
    ).toThrow(ValidationError);
    expect(() =>
      targetcliDialect.ensureLun(EMPTY, {
        lunId: 'x',
        targetIqn: `${BASE}:x`,
        backing: '/srv/../etc/shadow',
        sizeGiB: 1,
      }),
    ).toThrow(ValidationError);
  });
});

describe('LIO driver: the commands it sends', () => {
  it('masks: read, ACL, mapped LUN, saveconfig, read back; a second initiator is refused after one read', async () => {
    const { connector, commands } = recordingLab();
    const driver = createArrayDriver(array, connector);
    driver.validate();
    expect(await driver.mask('web-boot', HOST_A)).toEqual({ already: false, holdersBefore: [] });
    expect(commands).toEqual([
      'targetcli ls /',
      `targetcli /iscsi/${BASE}:web-boot/tpg1/acls create ${HOST_A} add_mapped_luns=false`,
      `targetcli /iscsi/${BASE}:web-boot/tpg1/acls/${HOST_A} create mapped_lun=1 tpg_lun_or_backstore=1`,
      'targetcli saveconfig',
      'targetcli ls /',
    ]);
    commands.length = 0;
    const err = await driver.mask('web-boot', HOST_B).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LunMaskConflictError);
    expect(commands).toEqual(['targetcli ls /']);
    expect(await driver.mask('vmstore', HOST_A)).toMatchObject({ already: false });
    expect(await driver.mask('vmstore', HOST_B)).toEqual({
      already: false,
      holdersBefore: [HOST_A],
    });
    expect(await driver.listVisibleTo(HOST_A)).toEqual(['vmstore', 'web-boot']);
  });

  it('unmasks with one ACL delete and saveconfig; again is a no-op after one read', async () => {
    const { connector, commands, lab } = recordingLab();
    lab.grant('web-boot', HOST_A);
    const driver = createArrayDriver(array, connector);
    expect(await driver.unmask('web-boot', HOST_A)).toEqual({
      already: false,
      holdersBefore: [HOST_A],
    });
    expect(commands).toEqual([
      'targetcli ls /',
      `targetcli /iscsi/${BASE}:web-boot/tpg1/acls delete ${HOST_A}`,
      'targetcli saveconfig',
      'targetcli ls /',
    ]);
    commands.length = 0;
    expect(await driver.unmask('web-boot', HOST_A)).toEqual({ already: true, holdersBefore: [] });
    expect(commands).toEqual(['targetcli ls /']);
  });

  it('validates the array before use: iqn. names for per-LUN targets, absolute backings, the right dialect', () => {
    const { connector } = recordingLab();
    const eui = arraySchema.parse({ ...array, targetIqn: 'eui.0123456789abcdef' });
    expect(() => createArrayDriver(eui, connector).validate()).toThrow(/luns\[0\]\.id: .*iqn\./);
    const relative = arraySchema.parse({
      ...array,
      luns: [{ id: 'x', sizeGiB: 1, backing: 'luns/x.img' }],
    });
    expect(() => createArrayDriver(relative, connector).validate()).toThrow(/luns\[0\]\.backing/);
  });

  it('turns a targetcli error into StorageCommandError', async () => {
    const { connector, lab } = recordingLab();
    const target = lab.model.targetByName(`${BASE}:db-data`);
    if (target !== undefined) lab.model.targets.delete(target.tid);
    lab.model.backstores.delete('db-data');
    lab.model.files.delete('/dev/vg0/db-data');
    const err = await createArrayDriver(array, connector)
      .ensureLun('db-data')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageCommandError);
    expect((err as Error).message).toBe(
      'lio-1 refused ensure LUN db-data: Could not create StorageObject: /dev/vg0/db-data does not exist',
    );
  });
});

describe('LIO driver: CHAP', () => {
  const chap = { user: 'chap-web', secret: 'Web-Secret-4f9a2c71' };

  it("sets the ACL's auth and the TPG's authentication through targetcli's stdin, never its argv; the lab then refuses a login without it, also after a restart", async () => {
    const { connector, commands, stdin, lab } = recordingLab();
    const driver = createArrayDriver(array, connector, {
      chapFor: (lun) => (lun === 'web-boot' ? chap : undefined),
    });
    expect(await driver.mask('web-boot', HOST_A)).toEqual({ already: false, holdersBefore: [] });
    expect(commands).toEqual([
      'targetcli ls /',
      `targetcli /iscsi/${BASE}:web-boot/tpg1/acls create ${HOST_A} add_mapped_luns=false`,
      `targetcli /iscsi/${BASE}:web-boot/tpg1/acls/${HOST_A} create mapped_lun=1 tpg_lun_or_backstore=1`,
      'targetcli',
      'targetcli saveconfig',
      'targetcli ls /',
    ]);
    expect(stdin).toEqual([
      `/iscsi/${BASE}:web-boot/tpg1 set attribute authentication=1\n/iscsi/${BASE}:web-boot/tpg1/acls/${HOST_A} set auth userid=chap-web password=${chap.secret}\n`,
    ]);
    expect(lab.loginRefusal('web-boot', HOST_A, undefined)).toMatch(
      /requires CHAP and .* offered none/,
    );
    expect(
      lab.loginRefusal('web-boot', HOST_A, { ...chap, secret: 'Wrong-Secret-000000' }),
    ).toMatch(/wrong user or secret/);
    expect(lab.loginRefusal('web-boot', HOST_A, chap)).toBeUndefined();
    lab.restart();
    expect(lab.loginRefusal('web-boot', HOST_A, undefined)).toMatch(/requires CHAP/);
    expect(lab.loginRefusal('web-boot', HOST_A, chap)).toBeUndefined();

    // Already a holder: no ACL change, the auth is set again (targetcli ls does not show it).
    commands.length = 0;
    expect(await driver.mask('web-boot', HOST_A)).toEqual({
      already: true,
      holdersBefore: [HOST_A],
    });
    expect(commands).toEqual([
      'targetcli ls /',
      'targetcli',
      'targetcli saveconfig',
      'targetcli ls /',
    ]);
    expect(commands.some((c) => c.includes(chap.secret))).toBe(false);
  });

  it('refuses a secret of the wrong shape before any command, without repeating it', () => {
    const lun = parseTargetcliState(REAL_TREE, BASE).luns.get('web-boot')!;
    const err = (() => {
      try {
        return targetcliDialect.mask(lun, HOST_B, { user: 'chap-web', secret: 'has space in it' });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as Error).message).toContain('chapSecret');
    expect((err as Error).message).not.toContain('has space in it');
  });
});
