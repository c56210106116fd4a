import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { StaticSecretStore } from '../../common/secrets';
import { Ssh2Connector } from '../../drivers/ssh/ssh2-connector';
import { createArrayDriver } from '../../drivers/storage/create-array-driver';
import type { StorageArrayDriver } from '../../drivers/storage/lun-access-driver';
import { lunTargetIqn } from '../../drivers/storage/lun-target';
import { UnsupportedStorageOperationError } from '../../drivers/storage/storage-errors';
import { DEFAULT_TGT_CONF_DIR } from '../../drivers/storage/tgt-dialect';
import { TopologyIndex } from '../../inventory/topology-index';
import type { StorageArray, TopologyInput } from '../../inventory/topology-schema';
import type { Lab } from '../../lab/lab';
import { ARRAY_PROFILES } from '../../lab/san/array-profiles';
import type { LabArray } from '../../lab/san/lab-array';
import type { LabArraysComponent } from '../../lab/san/start-lab-arrays';
import { startLab } from '../../lab/start-lab';
import { LAB_SMALL } from '../support/lab-fixtures';
import { relocatedTopology } from '../support/relocated-topology';

jest.setTimeout(60_000);

const M1 = 'iqn.2026-11.lab.rackshift:m-r1-01';
const M4 = 'iqn.2026-11.lab.rackshift:m-r1-04';
const CLONE = 'db-01-data.drill-0c0ffe';

/**
 * How the driver must fare on a profile: everything works and persists, or every change is refused
 * before anything is written.
 */
const EXPECT: Record<string, 'works' | 'refused'> = {
  debian: 'works',
  'conf-d-not-included': 'refused',
  'tgt-1.0.24': 'works',
  'targetcli-fb-2.1.50': 'works',
  'targetcli-fb-2.1.fb44': 'works',
  'operator-shell': 'works',
};

const CASES = (Object.keys(ARRAY_PROFILES) as Array<StorageArray['kind']>).flatMap((kind) =>
  Object.keys(ARRAY_PROFILES[kind]).map((profile) => [kind, profile] as const),
);

async function labOf(
  kind: StorageArray['kind'],
  dir: string,
): Promise<{ lab: Lab; spec: StorageArray }> {
  const raw = parseYaml(await readFile(LAB_SMALL, 'utf8')) as TopologyInput;
  for (const a of raw.sites[0]?.arrays ?? []) a.kind = kind;
  await writeFile(join(dir, 'topology.yaml'), toYaml(raw));
  const { topology } = await relocatedTopology(join(dir, 'topology.yaml'));
  const lab = await startLab({ topology, dataDir: join(dir, 'lab'), only: ['arrays'] });
  return { lab, spec: new TopologyIndex(topology).array('array-1') };
}

function arrayOf(lab: Lab): LabArray {
  return (lab.components.find((c) => c.kind === 'arrays') as LabArraysComponent).array('array-1');
}

describe.each(CASES)('the %s array driver against lab profile %s', (kind, profile) => {
  let dir: string;
  let lab: Lab;
  let spec: StorageArray;
  let driver: StorageArrayDriver;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), `rackshift-array-profile-${kind}-`));
    ({ lab, spec } = await labOf(kind, dir));
    arrayOf(lab).useProfile(profile);
    driver = createArrayDriver(
      spec,
      new Ssh2Connector(new StaticSecretStore(lab.credentials), {
        connectAttempts: 1,
        commandTimeoutMs: 10_000,
      }),
    );
  });

  afterAll(async () => {
    await driver?.close();
    await lab?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("reads the residents as the data center runs them (waiting for an operator's targetcli shell to exit where one is open)", async () => {
    expect(await driver.listVisibleTo(M1)).toEqual(['db-01-boot', 'db-01-data']);
    const waits = profile === 'operator-shell' ? 1 : 0;
    expect(arrayOf(lab).describe()).toMatchObject(
      kind === 'lio' ? { profile, waitedForLock: waits } : { profile },
    );
    if (kind === 'tgt') {
      // The release's LUN listing: 1.0.24 prints neither SWP (1.0.38) nor Thin-provisioning
      // (1.0.27).
      const show = (await arrayOf(lab).exec('tgtadm --lld iscsi --mode target --op show')).stdout;
      expect([/^ +SWP: No$/m.test(show), /^ +Thin-provisioning: No$/m.test(show)]).toEqual(
        profile === 'tgt-1.0.24' ? [false, false] : [true, true],
      );
    }
  });

  if (EXPECT[profile] === 'works') {
    it('masks, clones, unmasks, and everything it did survives a restart of the target daemon', async () => {
      expect(await driver.mask('web-02-boot', M4)).toEqual({ already: false, holdersBefore: [] });
      expect(await driver.createSnapshotClone('db-01-data', CLONE)).toEqual({ created: true });
      await driver.mask(CLONE, M4);
      arrayOf(lab).restart();
      expect(await driver.listVisibleTo(M4)).toEqual([CLONE, 'web-02-boot'].sort());
      expect(await driver.listVisibleTo(M1)).toEqual(['db-01-boot', 'db-01-data']);
      await driver.unmask(CLONE, M4);
      expect(await driver.deleteSnapshotClone(CLONE)).toEqual({ deleted: true });
      await driver.unmask('web-02-boot', M4);
      arrayOf(lab).restart();
      expect(await driver.listVisibleTo(M4)).toEqual([]);
    });
  } else {
    it('refuses every change before making it, saying the target files would not be read at restart', async () => {
      const files = (): string[] => [...arrayOf(lab).model.confFiles.keys()].sort();
      const before = files();
      for (const change of [
        () => driver.mask('web-02-boot', M4),
        () => driver.createSnapshotClone('db-01-data', CLONE),
      ]) {
        const err = await change().catch((e: unknown) => e);
        expect(err).toBeInstanceOf(UnsupportedStorageOperationError);
        expect((err as Error).message).toContain(`must include ${DEFAULT_TGT_CONF_DIR}/*.conf`);
      }
      expect(files()).toEqual(before);
      expect(await driver.listHolders('web-02-boot')).toEqual([]);
      arrayOf(lab).restart();
      expect(await driver.listVisibleTo(M1)).toEqual(['db-01-boot', 'db-01-data']);
      expect(arrayOf(lab).lunExists(CLONE)).toBe(false);
    });
  }
});

describe('lab array profiles', () => {
  let dir: string;
  let lab: Lab;
  let spec: StorageArray;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rackshift-array-profile-lio-'));
    ({ lab, spec } = await labOf('lio', dir));
  });

  afterAll(async () => {
    await lab?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const post = (body: unknown): Promise<Response> =>
    fetch(`${lab.controlUrl}/lab/arrays/array-1/profile`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('are chosen through the lab control server; one of another kind is refused naming the field', async () => {
    const wrong = await post({ profile: 'debian' });
    expect(wrong.status).toBe(400);
    expect(((await wrong.json()) as { error: string }).error).toContain(
      'profile: a lio array has profiles targetcli-fb-2.1.50',
    );
    const right = await post({ profile: 'operator-shell' });
    expect(await right.json()).toEqual({ array: 'array-1', profile: 'operator-shell' });
    const none = await fetch(`${lab.controlUrl}/lab/arrays/array-9/restart`, { method: 'POST' });
    expect(none.status).toBe(404);
  });

  it("operator-shell: targetcli waits for the operator's shell, whose exit saves the live configuration", async () => {
    const array = arrayOf(lab);
    array.useProfile('operator-shell');
    const acl = (lun: string): string[] => [
      ...(array.model.targetByName(lunTargetIqn(spec.targetIqn, lun))?.acl.keys() ?? []),
    ];
    // The operator's own edit in their shell: live, unsaved until auto_save_on_exit writes it.
    array.model.targetByName(lunTargetIqn(spec.targetIqn, 'app-01-boot'))?.acl.set(M4, []);
    // A one-shot run waits for that shell to exit, then runs after its save (and is not saved
    // itself).
    const exec = await array.exec(
      `targetcli /iscsi/${lunTargetIqn(spec.targetIqn, 'web-02-boot')}/tpg1/acls create ${M4} add_mapped_luns=false`,
    );
    expect(exec.code).toBe(0);
    expect(array.describe()).toMatchObject({ profile: 'operator-shell', waitedForLock: 1 });
    array.restart();
    expect({ app: acl('app-01-boot'), web: acl('web-02-boot') }).toEqual({ app: [M4], web: [] });
  });
});
