import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StaticSecretStore } from '../../common/secrets';
import { SshUnreachableError } from '../../drivers/ssh/ssh-errors';
import { Ssh2Connector } from '../../drivers/ssh/ssh2-connector';
import { createArrayDriver } from '../../drivers/storage/create-array-driver';
import {
  LunInUseError,
  NotReplicatedError,
  ReplicaReadOnlyError,
  ReplicaSnapshotRefusedError,
  StorageCommandError,
} from '../../drivers/storage/storage-errors';
import { TopologyIndex } from '../../inventory/topology-index';
import type { Topology } from '../../inventory/topology-schema';
import type { Lab } from '../../lab/lab';
import type { LabArraysComponent } from '../../lab/san/start-lab-arrays';
import { startLab } from '../../lab/start-lab';
import { relocatedTopology } from '../support/relocated-topology';

jest.setTimeout(30_000);

const TWO_SITES = join(__dirname, '..', '..', 'examples', 'two-sites.yaml');
const M_A1 = 'iqn.2026-11.lab.rackshift:m-a1-01';
const M_B1 = 'iqn.2026-11.lab.rackshift:m-b1-01';

let dir: string;
let lab: Lab;
let topology: Topology;
let arrays: LabArraysComponent;
const drivers: Array<ReturnType<typeof createArrayDriver>> = [];

/** The driver of a two-sites array (array-a speaks tgt, array-b LIO), as the worker makes it. */
function driver(id: 'array-a' | 'array-b'): ReturnType<typeof createArrayDriver> {
  const d = createArrayDriver(
    new TopologyIndex(topology).array(id),
    new Ssh2Connector(new StaticSecretStore(lab.credentials), {
      connectAttempts: 1,
      commandTimeoutMs: 5_000,
    }),
    { replication: topology.replication },
  );
  drivers.push(d);
  return d;
}

/** A site goes dark or comes back, through the lab's control server. */
async function siteReachable(site: string, reachable: boolean): Promise<string[]> {
  const r = await fetch(`${lab.controlUrl}/lab/sites/${site}/replication`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ reachable }),
  });
  expect(r.status).toBe(200);
  return ((await r.json()) as { links: string[] }).links;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rackshift-lab-replication-'));
  ({ topology } = await relocatedTopology(TWO_SITES));
  lab = await startLab({ topology, dataDir: join(dir, 'lab'), only: ['arrays'] });
  arrays = lab.components.find((c) => c.kind === 'arrays') as LabArraysComponent;
});

afterAll(async () => {
  for (const d of drivers) await d.close();
  await lab?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('replication against the lab arrays (drbdadm over SSH)', () => {
  it('reports each side: the source primary on tgt, its replica secondary on LIO, connected', async () => {
    expect(await driver('array-a').replicationStatus('db-01-boot')).toEqual({
      lun: 'db-01-boot',
      resource: 'db-01-boot',
      role: 'primary',
      disk: 'UpToDate',
      peer: {
        name: 'array-b',
        connection: 'Connected',
        role: 'secondary',
        replication: 'Established',
        disk: 'UpToDate',
      },
    });
    const b = await driver('array-b').replicationStatus('web-01-boot-r');
    expect([b.resource, b.role, b.peer.role]).toEqual(['web-01-boot', 'secondary', 'primary']);
    await expect(driver('array-b').replicationStatus('batch-01-boot')).rejects.toBeInstanceOf(
      NotReplicatedError,
    );
  });

  it('keeps a replica read-only: masking refused, writes and logins refused by the device', async () => {
    await expect(driver('array-b').mask('db-01-boot-r', M_B1)).rejects.toBeInstanceOf(
      ReplicaReadOnlyError,
    );
    expect(arrays.sanView.lunsVisibleTo('array-b', M_B1)).toEqual([]);
    expect(arrays.array('array-b').write('db-01-boot-r')).toMatch(/Wrong medium type/);
    expect(arrays.sanView.loginRefusal('array-b', 'db-01-boot-r', M_B1, undefined)).toMatch(
      /DRBD Secondary: Wrong medium type/,
    );
  });

  it("refuses a second primary while the link is up, with drbdsetup's text", async () => {
    await expect(driver('array-b').promote('db-01-boot-r')).rejects.toThrow(
      /State change failed: \(-1\) Multiple primaries not allowed by config/,
    );
    expect((await driver('array-b').replicationStatus('db-01-boot-r')).role).toBe('secondary');
  });

  it('ships sync writes at once; an async replica keeps the data of its last sync', async () => {
    const a = arrays.array('array-a');
    const b = arrays.array('array-b');
    for (let i = 0; i < 3; i += 1) {
      expect(a.write('db-01-boot')).toBeUndefined();
      expect(a.write('web-01-boot')).toBeUndefined();
    }
    expect(b.generation('db-01-boot-r')).toBe(a.generation('db-01-boot'));
    expect(a.generation('web-01-boot')).toBe(3);
    // The link came up with the lab; the 300 s RPO has not passed since.
    expect(b.generation('web-01-boot-r')).toBe(0);
  });

  it("snapshots a replica for a drill without touching replication: the clone holds the replica's data", async () => {
    const d = driver('array-b');
    expect(await d.createSnapshotClone('db-01-boot-r', 'db-01-boot-r.drill-0a0b0c')).toEqual({
      created: true,
    });
    const b = arrays.array('array-b');
    expect(b.generation('db-01-boot-r.drill-0a0b0c')).toBe(b.generation('db-01-boot-r'));
    expect((await d.replicationStatus('db-01-boot-r')).role).toBe('secondary');
    expect(await d.deleteSnapshotClone('db-01-boot-r.drill-0a0b0c')).toEqual({ deleted: true });
  });

  it('takes a replica snapshot through the replication interface (testFailoverStart): data as of that moment, replication untouched', async () => {
    const d = driver('array-b');
    const a = arrays.array('array-a');
    const b = arrays.array('array-b');
    const before = await d.replicationStatus('db-01-data-r');
    expect(a.write('db-01-data')).toBeUndefined();
    const asOf = b.generation('db-01-data-r');
    expect(asOf).toBe(a.generation('db-01-data'));
    const snap = 'db-01-data-r.drill-0d0e0f';
    expect(await d.snapshotReplica('db-01-data-r', snap)).toEqual({
      snapshot: snap,
      created: true,
      status: before,
    });
    expect(b.cloneSource(snap)).toBe('db-01-data-r');
    // The replica keeps receiving syncs; the snapshot keeps the data it was taken with.
    expect(a.write('db-01-data')).toBeUndefined();
    expect(a.write('db-01-data')).toBeUndefined();
    expect(b.generation('db-01-data-r')).toBe(asOf + 2);
    expect(b.generation(snap)).toBe(asOf);
    // It is writable and maskable (the replica is neither); its writes stay in it.
    expect(await d.mask(snap, M_B1)).toEqual({ already: false, holdersBefore: [] });
    expect(b.write(snap)).toBeUndefined();
    expect([b.generation(snap), b.generation('db-01-data-r')]).toEqual([asOf + 1, asOf + 2]);
    expect(b.write('db-01-data-r')).toMatch(/Wrong medium type/);
    // Taken again (a retried step): nothing new.
    expect((await d.snapshotReplica('db-01-data-r', snap)).created).toBe(false);
    // testFailoverStop: refused while an initiator still sees it.
    await expect(d.deleteReplicaSnapshot(snap)).rejects.toBeInstanceOf(LunInUseError);
    await d.unmask(snap, M_B1);
    expect(await d.deleteReplicaSnapshot(snap)).toEqual({ deleted: true });
    expect(await d.deleteReplicaSnapshot(snap)).toEqual({ deleted: false });
    expect(b.lunExists(snap)).toBe(false);
    expect(await d.replicationStatus('db-01-data-r')).toEqual(before);
    expect(b.generation('db-01-data-r')).toBe(a.generation('db-01-data'));
  });

  it("an async replica's snapshot holds its last sync's data, not the primary's newest", async () => {
    const d = driver('array-b');
    const b = arrays.array('array-b');
    const snap = 'web-01-boot-r.drill-0d0e0f';
    const taken = await d.snapshotReplica('web-01-boot-r', snap);
    expect([taken.status.role, taken.status.disk, taken.status.peer.connection]).toEqual([
      'secondary',
      'UpToDate',
      'Connected',
    ]);
    expect(arrays.array('array-a').generation('web-01-boot')).toBe(3);
    expect(b.generation(snap)).toBe(0);
    expect(await d.deleteReplicaSnapshot(snap)).toEqual({ deleted: true });
  });

  it('refuses to snapshot the primary side (a drill snapshots the replica), creating nothing', async () => {
    const a = driver('array-a');
    await expect(a.snapshotReplica('db-01-boot', 'db-01-boot.drill-0d0e0f')).rejects.toThrow(
      ReplicaSnapshotRefusedError,
    );
    await expect(a.snapshotReplica('db-01-boot', 'db-01-boot.drill-0d0e0f')).rejects.toThrow(
      /this side is primary/,
    );
    expect(arrays.array('array-a').lunExists('db-01-boot.drill-0d0e0f')).toBe(false);
    await expect(
      driver('array-b').snapshotReplica('batch-01-boot', 'batch-01-boot.drill-0d0e0f'),
    ).rejects.toBeInstanceOf(NotReplicatedError);
  });

  it('site-a lost: the sync replica promotes with its data, the async one only by force, as of its last sync', async () => {
    expect((await siteReachable('site-a', false)).sort()).toEqual([
      'db-01-boot',
      'db-01-data',
      'web-01-boot',
    ]);
    const d = driver('array-b');
    const web = await d.replicationStatus('web-01-boot-r');
    expect([web.disk, web.peer.connection]).toEqual(['Consistent', 'Connecting']);
    await expect(d.promote('web-01-boot-r')).rejects.toThrow(
      /State change failed: \(-2\) Need access to UpToDate data/,
    );
    expect(await d.promote('web-01-boot-r', { force: true })).toEqual({ already: false });
    expect(await d.promote('db-01-boot-r')).toEqual({ already: false });
    expect(await d.promote('db-01-boot-r')).toEqual({ already: true });
    const b = arrays.array('array-b');
    expect(b.generation('db-01-boot-r')).toBe(3);
    expect(b.generation('web-01-boot-r')).toBe(0);
    expect(await d.mask('db-01-boot-r', M_B1)).toEqual({ already: false, holdersBefore: [] });
    expect(b.write('db-01-boot-r')).toBeUndefined();
    expect(b.generation('db-01-boot-r')).toBe(4);
  });

  it('reverses replication once site-a is back: split brain until the old primary discards its data', async () => {
    await siteReachable('site-a', true);
    const a = driver('array-a');
    const b = driver('array-b');
    // Both sides are primary now: DRBD drops the connection rather than pick one.
    expect((await b.replicationStatus('db-01-boot-r')).peer.connection).toBe('StandAlone');
    // db-01's home still has the old LUN masked, so its device is held open.
    await expect(a.demote('db-01-boot')).rejects.toThrow(
      /State change failed: \(-12\) Device is held open by someone/,
    );
    await a.unmask('db-01-boot', M_A1);
    expect(await a.demote('db-01-boot')).toEqual({ already: false });
    await a.resync('db-01-boot', { discardLocal: true });
    await b.resync('db-01-boot-r');
    const reversed = await a.replicationStatus('db-01-boot');
    expect([reversed.role, reversed.peer.connection, reversed.peer.role]).toEqual([
      'secondary',
      'Connected',
      'primary',
    ]);
    expect(arrays.array('array-a').generation('db-01-boot')).toBe(4);
    await expect(a.mask('db-01-boot', M_A1)).rejects.toBeInstanceOf(ReplicaReadOnlyError);
    await expect(b.demote('db-01-boot-r')).rejects.toBeInstanceOf(StorageCommandError);
  });

  it('keeps roles, links and data generations across a restart of the lab', async () => {
    for (const d of drivers.splice(0)) await d.close();
    await lab.stop();
    lab = await startLab({ topology, dataDir: join(dir, 'lab'), only: ['arrays'] });
    arrays = lab.components.find((c) => c.kind === 'arrays') as LabArraysComponent;
    const status = await driver('array-b').replicationStatus('db-01-boot-r');
    expect([status.role, status.peer.connection]).toEqual(['primary', 'Connected']);
    expect(arrays.array('array-a').generation('db-01-boot')).toBe(4);
    expect(arrays.array('array-b').generation('web-01-boot-r')).toBe(0);
  });

  it('a dark site: its array drops SSH (as a powered-off host), its links break; kept across a restart; --off answers again', async () => {
    const fault = async (on: boolean): Promise<string[]> => {
      const r = await fetch(`${lab.controlUrl}/lab/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ fault: 'dark-site', site: 'site-a', on }),
      });
      expect(r.status).toBe(200);
      return ((await r.json()) as { machines: string[] }).machines;
    };
    expect((await fault(true)).sort()).toEqual(['m-a1-01', 'm-a1-02']);
    await expect(driver('array-a').listHolders('db-01-boot')).rejects.toBeInstanceOf(
      SshUnreachableError,
    );
    expect((await driver('array-b').replicationStatus('db-01-boot-r')).peer.connection).toBe(
      'Connecting',
    );
    for (const d of drivers.splice(0)) await d.close();
    await lab.stop();
    lab = await startLab({ topology, dataDir: join(dir, 'lab'), only: ['arrays'] });
    arrays = lab.components.find((c) => c.kind === 'arrays') as LabArraysComponent;
    expect(lab.machine('m-a1-01').dark).toBe(true);
    await expect(driver('array-a').listHolders('db-01-boot')).rejects.toBeInstanceOf(
      SshUnreachableError,
    );
    await fault(false);
    expect(await driver('array-a').listHolders('db-01-boot')).toEqual([]);
    expect((await driver('array-b').replicationStatus('db-01-boot-r')).peer.connection).toBe(
      'Connected',
    );
    const unknown = await fetch(`${lab.controlUrl}/lab/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ fault: 'dark-site', site: 'site-z' }),
    });
    expect(unknown.status).toBe(404);
  });
});
