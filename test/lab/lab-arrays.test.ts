import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { StaticSecretStore } from '../../common/secrets';
import { HostKeyMismatchError, SshAuthError } from '../../drivers/ssh/ssh-errors';
import { Ssh2Connector } from '../../drivers/ssh/ssh2-connector';
import { createArrayDriver } from '../../drivers/storage/create-array-driver';
import type { StorageArrayDriver } from '../../drivers/storage/lun-access-driver';
import { LunMaskConflictError } from '../../drivers/storage/storage-errors';
import { TopologyIndex } from '../../inventory/topology-index';
import type { StorageArray, TopologyInput } from '../../inventory/topology-schema';
import type { Lab } from '../../lab/lab';
import type { LabArraysComponent } from '../../lab/san/start-lab-arrays';
import { startLab } from '../../lab/start-lab';
import { LAB_SMALL } from '../support/lab-fixtures';
import { relocatedTopology } from '../support/relocated-topology';

jest.setTimeout(30_000);

const M1 = 'iqn.2026-11.lab.rackshift:m-r1-01';
const M4 = 'iqn.2026-11.lab.rackshift:m-r1-04';

let dir: string;
let lab: Lab;
let spec: StorageArray;
const drivers: StorageArrayDriver[] = [];

function driver(secret = lab.credentials, array = spec): StorageArrayDriver {
  const d = createArrayDriver(
    array,
    new Ssh2Connector(new StaticSecretStore(secret), {
      connectAttempts: 1,
      commandTimeoutMs: 5_000,
    }),
  );
  drivers.push(d);
  return d;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rackshift-lab-arrays-'));
  // lab-small's array, as an LIO array: the lab then answers targetcli instead of tgtadm.
  const raw = parseYaml(await readFile(LAB_SMALL, 'utf8')) as TopologyInput;
  for (const a of raw.sites[0]?.arrays ?? []) a.kind = 'lio';
  await writeFile(join(dir, 'lio.yaml'), toYaml(raw));
  const { topology } = await relocatedTopology(join(dir, 'lio.yaml'));
  spec = new TopologyIndex(topology).array('array-1');
  lab = await startLab({ topology, dataDir: join(dir, 'lab'), only: ['arrays'] });
});

afterAll(async () => {
  for (const d of drivers) await d.close();
  await lab?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('lab arrays over SSH', () => {
  it('start as the data center runs today: residents see their LUNs', async () => {
    const d = driver();
    expect(await d.listVisibleTo(M1)).toEqual(['db-01-boot', 'db-01-data']);
    expect(await d.ensureLun('web-02-boot')).toEqual({ created: false });
  });

  it('answer rackshift LIO driver: mask, the one-holder refusal, unmask', async () => {
    const d = driver();
    expect(await d.mask('web-02-boot', M4)).toEqual({ already: false, holdersBefore: [] });
    await expect(d.mask('db-01-boot', M4)).rejects.toBeInstanceOf(LunMaskConflictError);
    const arrays = lab.components.find((c) => c.kind === 'arrays') as LabArraysComponent;
    expect(arrays.sanView.lunsVisibleTo('array-1', M4)).toEqual(['web-02-boot']);
    expect(await d.unmask('web-02-boot', M4)).toEqual({ already: false, holdersBefore: [M4] });
    expect(arrays.sanView.lunsVisibleTo('array-1', M4)).toEqual([]);
    expect(arrays.sanView.lunExists('array-1', 'web-02-boot')).toBe(true);
  });

  it('answer the LIO driver snapshot clones: a LUN of its own, whose source the SAN view knows, deleted with its file', async () => {
    const d = driver();
    const arrays = lab.components.find((c) => c.kind === 'arrays') as LabArraysComponent;
    expect(await d.createSnapshotClone('db-01-data', 'db-01-data.drill-0c0ffe')).toEqual({
      created: true,
    });
    expect(arrays.sanView.lunExists('array-1', 'db-01-data.drill-0c0ffe')).toBe(true);
    expect(arrays.sanView.cloneSource('array-1', 'db-01-data.drill-0c0ffe')).toBe('db-01-data');
    expect(arrays.sanView.cloneSource('array-1', 'db-01-data')).toBeUndefined();
    expect(await d.listHolders('db-01-data.drill-0c0ffe')).toEqual([]);
    expect(await d.mask('db-01-data.drill-0c0ffe', M4)).toEqual({
      already: false,
      holdersBefore: [],
    });
    expect(arrays.sanView.lunsVisibleTo('array-1', M4)).toEqual(['db-01-data.drill-0c0ffe']);
    await d.unmask('db-01-data.drill-0c0ffe', M4);
    expect(await d.deleteSnapshotClone('db-01-data.drill-0c0ffe')).toEqual({ deleted: true });
    expect(arrays.sanView.lunExists('array-1', 'db-01-data.drill-0c0ffe')).toBe(false);
    expect(arrays.sanView.cloneSource('array-1', 'db-01-data.drill-0c0ffe')).toBeUndefined();
  });

  it('refuse a wrong password and are refused by a wrong host-key pin', async () => {
    const wrong = Object.fromEntries(
      Object.entries(lab.credentials).map(([k, v]) => [k, { ...v, password: 'wrong' }]),
    );
    await expect(driver(wrong).listHolders('db-01-boot')).rejects.toBeInstanceOf(SshAuthError);
    const pinnedElsewhere = {
      ...spec,
      hostKeyFingerprint: 'SHA256:AAAAFK/Ohi1BUKQLyRqVYRcy0jxpOyWEwedfq6fM6I',
    };
    await expect(
      driver(lab.credentials, pinnedElsewhere).listHolders('db-01-boot'),
    ).rejects.toBeInstanceOf(HostKeyMismatchError);
  });
});
