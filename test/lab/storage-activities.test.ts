import { ApplicationFailure } from '@temporalio/common';
import { createStorageActivities } from '../../activities/storage-activities';
import type { ExecResult, SshSession } from '../../drivers/ssh/ssh-transport';
import { createArrayDriver } from '../../drivers/storage/create-array-driver';
import { TopologyIndex } from '../../inventory/topology-index';
import { LabArray } from '../../lab/san/lab-array';
import { labSmall } from '../support/lab-fixtures';

const M1 = 'iqn.2026-11.lab.rackshift:m-r1-01';
const M3 = 'iqn.2026-11.lab.rackshift:m-r1-03';

async function setup() {
  const topology = new TopologyIndex(await labSmall());
  const lab = new LabArray(topology.array('array-1'));
  lab.grant('db-01-boot', M1);
  lab.grant('db-01-data', M1);
  const session: SshSession = {
    exec: (c: string, o): Promise<ExecResult> => lab.exec(c, o?.stdin),
    shell: () => Promise.reject(new Error('no shell')),
    close: async () => undefined,
  };
  const activities = createStorageActivities({
    topology,
    storageDriver: (array) => createArrayDriver(array, { connect: async () => session }),
  });
  return { activities, lab };
}

describe('storage activities', () => {
  it('masks idempotently and returns the prior holders', async () => {
    const { activities, lab } = await setup();
    const first = await activities.maskLuns({
      array: 'array-1',
      masks: [
        { lun: 'web-02-boot', initiator: M3 },
        { lun: 'vmstore-1', initiator: M3 },
      ],
    });
    expect(first).toEqual({
      changed: [
        { lun: 'web-02-boot', initiator: M3 },
        { lun: 'vmstore-1', initiator: M3 },
      ],
      prior: { 'web-02-boot': [], 'vmstore-1': [] },
    });
    const again = await activities.maskLuns({
      array: 'array-1',
      masks: [{ lun: 'web-02-boot', initiator: M3 }],
    });
    expect(again).toEqual({ changed: [], prior: { 'web-02-boot': [M3] } });
    expect(lab.lunsVisibleTo(M3)).toEqual(['vmstore-1', 'web-02-boot']);
  });

  it('a second holder on an unshared LUN is a non-retryable LunMaskConflictError failure', async () => {
    const { activities } = await setup();
    const err = await activities
      .maskLuns({ array: 'array-1', masks: [{ lun: 'db-01-boot', initiator: M3 }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ type: 'LunMaskConflictError', nonRetryable: true });
    expect((err as Error).message).toContain(M1);
  });

  it('moving a persona: read holders, unmask the old, mask the new, and the compensation puts everything back', async () => {
    const { activities, lab } = await setup();
    const luns = ['db-01-boot', 'db-01-data'];
    const before = await activities.readLunHolders({ array: 'array-1', luns });
    expect(before).toEqual({ 'db-01-boot': [M1], 'db-01-data': [M1] });
    await activities.unmaskLuns({
      array: 'array-1',
      masks: luns.map((lun) => ({ lun, initiator: M1 })),
    });
    await activities.maskLuns({
      array: 'array-1',
      masks: luns.map((lun) => ({ lun, initiator: M3 })),
    });
    expect(lab.lunsVisibleTo(M3)).toEqual(luns);

    const restored = await activities.restoreLunHolders({ array: 'array-1', holders: before });
    expect(restored.changed).toEqual([
      { lun: 'db-01-boot', initiator: M3, action: 'unmask' },
      { lun: 'db-01-data', initiator: M3, action: 'unmask' },
      { lun: 'db-01-boot', initiator: M1, action: 'mask' },
      { lun: 'db-01-data', initiator: M1, action: 'mask' },
    ]);
    expect(lab.lunsVisibleTo(M1)).toEqual(luns);
    expect(lab.lunsVisibleTo(M3)).toEqual([]);
    expect(
      (await activities.restoreLunHolders({ array: 'array-1', holders: before })).changed,
    ).toEqual([]);
  });

  it('clones for a drill and cleans up', async () => {
    const { activities, lab } = await setup();
    expect(
      await activities.createSnapshotClone({
        array: 'array-1',
        lun: 'db-01-boot',
        cloneId: 'db-01-boot-drill',
      }),
    ).toEqual({ created: true });
    await activities.maskLuns({
      array: 'array-1',
      masks: [{ lun: 'db-01-boot-drill', initiator: M3 }],
    });
    await expect(
      activities.deleteSnapshotClone({ array: 'array-1', cloneId: 'db-01-boot-drill' }),
    ).rejects.toMatchObject({ type: 'LunInUseError' });
    await activities.unmaskLuns({
      array: 'array-1',
      masks: [{ lun: 'db-01-boot-drill', initiator: M3 }],
    });
    expect(
      await activities.deleteSnapshotClone({ array: 'array-1', cloneId: 'db-01-boot-drill' }),
    ).toEqual({ deleted: true });
    expect(lab.lunExists('db-01-boot-drill')).toBe(false);
  });

  it('names unknown devices and malformed initiators as typed failures', async () => {
    const { activities } = await setup();
    await expect(activities.maskLuns({ array: 'array-9', masks: [] })).rejects.toMatchObject({
      type: 'NotFoundError',
    });
    await expect(
      activities.maskLuns({ fabric: 'fab-a', array: 'array-1', masks: [] }),
    ).rejects.toMatchObject({ type: 'NotFoundError' });
    await expect(
      activities.listLunsVisibleTo({ array: 'array-1', initiator: 'not an iqn' }),
    ).rejects.toMatchObject({ type: 'ValidationError', nonRetryable: true });
  });
});
