import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createReplicationActivities } from '../../activities/replication-activities';
import { StaticSecretStore } from '../../common/secrets';
import { Ssh2Connector } from '../../drivers/ssh/ssh2-connector';
import { createArrayDriver } from '../../drivers/storage/create-array-driver';
import { TopologyIndex } from '../../inventory/topology-index';
import type { Lab } from '../../lab/lab';
import type { LabArraysComponent } from '../../lab/san/start-lab-arrays';
import { startLab } from '../../lab/start-lab';
import { relocatedTopology } from '../support/relocated-topology';

jest.setTimeout(60_000);

const TWO_SITES = join(__dirname, '..', '..', 'examples', 'two-sites.yaml');

let dir: string;
let lab: Lab;
let index: TopologyIndex;
let arrays: LabArraysComponent;
let activities: ReturnType<typeof createReplicationActivities>;

async function siteReachable(site: string, reachable: boolean): Promise<void> {
  const r = await fetch(`${lab.controlUrl}/lab/sites/${site}/replication`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ reachable }),
  });
  expect(r.status).toBe(200);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rackshift-replication-activities-'));
  const { topology } = await relocatedTopology(TWO_SITES);
  index = new TopologyIndex(topology);
  lab = await startLab({ topology, dataDir: join(dir, 'lab'), only: ['arrays'] });
  arrays = lab.components.find((c) => c.kind === 'arrays') as LabArraysComponent;
  const connector = new Ssh2Connector(new StaticSecretStore(lab.credentials), {
    connectAttempts: 1,
    commandTimeoutMs: 5_000,
  });
  activities = createReplicationActivities({
    topology: index,
    replicationDriver: (array) =>
      createArrayDriver(array, connector, { replication: topology.replication }),
  });
});

afterAll(async () => {
  await lab?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('replication activities against the lab arrays', () => {
  const personas = ['db-01', 'web-01'];

  it('never promote a replica whose primary still answers', async () => {
    await expect(activities.promoteReplicas({ personas, site: 'site-b' })).rejects.toMatchObject({
      type: 'StorageCommandError',
      message: expect.stringContaining('Multiple primaries not allowed by config'),
    });
  });

  it("snapshot a replica for a drill with its data point; cut off from site-a, the data point is the break's", async () => {
    const snapshot = 'web-01-boot-r.drill-0c0d0e';
    const taken = await activities.snapshotReplica({
      array: 'array-b',
      lun: 'web-01-boot-r',
      snapshot,
    });
    expect(taken).toMatchObject({
      source: { array: 'array-a', lun: 'web-01-boot' },
      replica: { array: 'array-b', lun: 'web-01-boot-r' },
      snapshot,
      created: true,
      mode: 'async',
      rpoSeconds: 300,
      disk: 'UpToDate',
      link: 'Connected',
    });
    expect(Date.parse(taken.takenAt) - Date.parse(taken.dataAsOf!)).toBe(300_000);
    expect(await activities.deleteReplicaSnapshot({ array: 'array-b', snapshot })).toEqual({
      deleted: true,
    });
    await siteReachable('site-a', false);
    const cut = await activities.snapshotReplica({
      array: 'array-b',
      lun: 'db-01-boot-r',
      snapshot: 'db-01-boot-r.drill-0c0d0e',
    });
    expect([cut.rpoSeconds, cut.disk, cut.link, cut.dataAsOf]).toEqual([
      0,
      'UpToDate',
      'Connecting',
      undefined,
    ]);
    await activities.deleteReplicaSnapshot({ array: 'array-b', snapshot: cut.snapshot });
    await expect(
      activities.snapshotReplica({
        array: 'array-a',
        lun: 'db-01-boot',
        snapshot: 'x.drill-0c0d0e',
      }),
    ).rejects.toMatchObject({ type: 'ReplicaSnapshotRefusedError' });
    await siteReachable('site-a', true);
    expect(arrays.array('array-b').lunExists(cut.snapshot)).toBe(false);
  });

  it('promote every replica at site-b once site-a is lost, the async one by force, with RPOs', async () => {
    const a = arrays.array('array-a');
    for (let i = 0; i < 4; i += 1) {
      a.write('db-01-boot');
      a.write('web-01-boot');
    }
    await siteReachable('site-a', false);
    const done = await activities.promoteReplicas({ personas, site: 'site-b' });
    expect(
      done.map((p) => [p.persona, p.replica.lun, p.rpoSeconds, p.forced, p.diskBefore]),
    ).toEqual([
      ['db-01', 'db-01-boot-r', 0, false, 'UpToDate'],
      ['db-01', 'db-01-data-r', 0, false, 'UpToDate'],
      ['web-01', 'web-01-boot-r', 300, true, 'Consistent'],
    ]);
    // A replay or retry promotes nothing twice.
    const again = await activities.promoteReplicas({ personas, site: 'site-b' });
    expect(again.every((p) => p.already && !p.forced)).toBe(true);
  });

  it("reprotect once site-a is back: its old LUNs become read-only and take site-b's data", async () => {
    const b = arrays.array('array-b');
    b.write('db-01-boot-r');
    await siteReachable('site-a', true);
    // db-01's and web-01's old machines still have their LUNs masked: DRBD will not demote them.
    await expect(activities.reprotectReplicas({ personas, site: 'site-b' })).rejects.toMatchObject({
      message: expect.stringContaining('(-12) Device is held open by someone'),
    });
    const arrayA = createArrayDriver(
      index.array('array-a'),
      new Ssh2Connector(new StaticSecretStore(lab.credentials), { connectAttempts: 1 }),
    );
    for (const [lun, machine] of [
      ['db-01-boot', 'm-a1-01'],
      ['db-01-data', 'm-a1-01'],
      ['web-01-boot', 'm-a1-02'],
    ] as const)
      await arrayA.unmask(lun, index.machine(machine).storage.iqn!);
    await arrayA.close();
    const done = await activities.reprotectReplicas({ personas, site: 'site-b' });
    expect(done.map((r) => [r.secondary.lun, r.primary.lun, r.link])).toEqual([
      ['db-01-boot', 'db-01-boot-r', 'Connected'],
      ['db-01-data', 'db-01-data-r', 'Connected'],
      ['web-01-boot', 'web-01-boot-r', 'Connected'],
    ]);
    const a = arrays.array('array-a');
    expect(a.generation('db-01-boot')).toBe(b.generation('db-01-boot-r'));
    // web-01's writes after its last sync are gone at site-a too: it resynced from the replica.
    expect(a.generation('web-01-boot')).toBe(0);
    const status = await activities.replicationStatus({ array: 'array-a', lun: 'db-01-boot' });
    expect([status.role, status.peer.role]).toEqual(['secondary', 'primary']);
  });

  it('switch over back home once the personas are stopped at site-b: site-a primary, site-b read-only', async () => {
    const done = await activities.switchoverReplicas({ personas, site: 'site-a' });
    expect(done.map((r) => [r.primary.lun, r.secondary.lun])).toEqual([
      ['db-01-boot', 'db-01-boot-r'],
      ['db-01-data', 'db-01-data-r'],
      ['web-01-boot', 'web-01-boot-r'],
    ]);
    const a = arrays.array('array-a');
    const b = arrays.array('array-b');
    const before = a.generation('db-01-boot');
    expect(a.write('db-01-boot')).toBeUndefined();
    expect(b.generation('db-01-boot-r')).toBe(before + 1);
    expect(b.write('db-01-boot-r')).toMatch(/Wrong medium type/);
    // Idempotent: a retried switchover changes nothing.
    expect(await activities.switchoverReplicas({ personas, site: 'site-a' })).toHaveLength(3);
    const status = await activities.replicationStatus({ array: 'array-b', lun: 'db-01-boot-r' });
    expect([status.role, status.peer.connection]).toEqual(['secondary', 'Connected']);
  });
});
