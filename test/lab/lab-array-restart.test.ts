import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { StaticSecretStore } from '../../common/secrets';
import { Ssh2Connector } from '../../drivers/ssh/ssh2-connector';
import { createArrayDriver } from '../../drivers/storage/create-array-driver';
import { lunTargetIqn } from '../../drivers/storage/lun-target';
import { TopologyIndex } from '../../inventory/topology-index';
import type { StorageArray, TopologyInput } from '../../inventory/topology-schema';
import type { Lab } from '../../lab/lab';
import type { LabArraysComponent } from '../../lab/san/start-lab-arrays';
import { startLab } from '../../lab/start-lab';
import { LAB_SMALL } from '../support/lab-fixtures';
import { relocatedTopology } from '../support/relocated-topology';

jest.setTimeout(60_000);

const M1 = 'iqn.2026-11.lab.rackshift:m-r1-01';
const M4 = 'iqn.2026-11.lab.rackshift:m-r1-04';

/**
 * A change made behind the driver's back, without persisting it, the way an operator's one-off
 * command would.
 */
const UNPERSISTED: Record<StorageArray['kind'], (array: StorageArray, tid: number) => string> = {
  tgt: (_array, tid) =>
    `tgtadm --lld iscsi --mode target --op bind --tid ${tid} --initiator-name ${M4}`,
  lio: (array) =>
    `targetcli /iscsi/${lunTargetIqn(array.targetIqn, 'web-02-boot')}/tpg1/acls create ${M4} add_mapped_luns=false`,
};

describe.each(['tgt', 'lio'] as const)(
  'a lab %s array keeps across a restart of its target daemon exactly what was persisted',
  (kind) => {
    let dir: string;
    let lab: Lab;
    let spec: StorageArray;
    let arrays: LabArraysComponent;
    const connector = (): Ssh2Connector =>
      new Ssh2Connector(new StaticSecretStore(lab.credentials), {
        connectAttempts: 1,
        commandTimeoutMs: 5_000,
      });

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), `rackshift-lab-restart-${kind}-`));
      const raw = parseYaml(await readFile(LAB_SMALL, 'utf8')) as TopologyInput;
      for (const a of raw.sites[0]?.arrays ?? []) a.kind = kind;
      await writeFile(join(dir, 'topology.yaml'), toYaml(raw));
      const { topology } = await relocatedTopology(join(dir, 'topology.yaml'));
      spec = new TopologyIndex(topology).array('array-1');
      lab = await startLab({ topology, dataDir: join(dir, 'lab'), only: ['arrays'] });
      arrays = lab.components.find((c) => c.kind === 'arrays') as LabArraysComponent;
    });

    afterAll(async () => {
      await lab?.stop();
      await rm(dir, { recursive: true, force: true });
    });

    it("masks, clones and the residents' masks made through the driver survive; LUNs masked to nobody stay masked to nobody", async () => {
      const d = createArrayDriver(spec, connector());
      try {
        await d.mask('web-02-boot', M4);
        await d.createSnapshotClone('db-01-data', 'db-01-data.drill-0c0ffe');
        const before = {
          web: await d.listHolders('web-02-boot'),
          db: await d.listHolders('db-01-boot'),
          app: await d.listHolders('app-01-boot'),
          clone: await d.listHolders('db-01-data.drill-0c0ffe'),
        };
        expect(before).toEqual({ web: [M4], db: [M1], app: [], clone: [] });
        arrays.array('array-1').restart();
        expect({
          web: await d.listHolders('web-02-boot'),
          db: await d.listHolders('db-01-boot'),
          app: await d.listHolders('app-01-boot'),
          clone: await d.listHolders('db-01-data.drill-0c0ffe'),
        }).toEqual(before);
        expect(arrays.sanView.lunsVisibleTo('array-1', M4)).toEqual(['web-02-boot']);
        expect(
          arrays.sanView.lunsVisibleTo('array-1', 'iqn.2026-11.lab.rackshift:m-r2-99'),
        ).toEqual([]);
        expect(arrays.sanView.lunExists('array-1', 'db-01-data.drill-0c0ffe')).toBe(true);
        await d.unmask('web-02-boot', M4);
        arrays.array('array-1').restart();
        expect(await d.listHolders('web-02-boot')).toEqual([]);
      } finally {
        await d.close();
      }
    });

    it('loses a change that was never persisted, as the real daemon does', async () => {
      const session = await connector().connect({
        deviceId: spec.id,
        host: spec.address,
        port: spec.port,
        hostKeyFingerprint: spec.hostKeyFingerprint,
        credential: spec.credential,
      });
      try {
        const tid =
          arrays.array('array-1').model.targetByName(lunTargetIqn(spec.targetIqn, 'web-02-boot'))
            ?.tid ?? 0;
        const r = await session.exec(UNPERSISTED[kind](spec, tid));
        expect(r.code).toBe(0);
      } finally {
        await session.close();
      }
      const acl = (): string[] => [
        ...(arrays
          .array('array-1')
          .model.targetByName(lunTargetIqn(spec.targetIqn, 'web-02-boot'))
          ?.acl.keys() ?? []),
      ];
      expect(acl()).toContain(M4);
      arrays.array('array-1').restart();
      expect(acl()).not.toContain(M4);
    });
  },
);
