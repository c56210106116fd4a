import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DiskChecksumError,
  DiskRequestRefusedError,
  DiskTransferError,
} from '../../drivers/disk/disk-errors';
import { sha256Hex } from '../../drivers/disk/http-chunk-client';
import { TopologyIndex } from '../../inventory/topology-index';
import { diskBytes, diskSha256 } from '../../lab/disk/disk-content';
import { labDiskTransfer, type LabDiskTransfer } from '../../lab/disk/lab-disk-endpoints';
import { labDisks, type LabDisksComponent } from '../../lab/disk/start-lab-disks';
import type { Lab } from '../../lab/lab';
import type { LabArraysComponent } from '../../lab/san/start-lab-arrays';
import { startLab } from '../../lab/start-lab';
import { FAST_TIMING } from '../support/lab-fixtures';
import { relocatedTopology } from '../support/relocated-topology';

jest.setTimeout(60_000);

const SIZE = 4 * 1024 * 1024;
const MIB = 1024 * 1024;
let lab: Lab;
let dir: string;
let index: TopologyIndex;
let transfer: LabDiskTransfer;
let disks: LabDisksComponent;

beforeAll(async () => {
  const { topology } = await relocatedTopology();
  index = new TopologyIndex(topology);
  dir = await mkdtemp(join(tmpdir(), 'rackshift-lab-disks-'));
  lab = await startLab({ topology, dataDir: dir, timing: FAST_TIMING, only: ['arrays', 'disks'] });
  transfer = labDiskTransfer(lab.controlUrl);
  disks = labDisks(lab);
  disks.configure({ defaultSizeBytes: SIZE });
});

afterAll(async () => {
  await lab?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** m-r1-01 runs db-01 at rest (its topology occupant), so its disk holds db-01. */
const source = () => transfer.diskSource(index.machine('m-r1-01'));
const sink = (volume: string) => transfer.volumeSink(index.array('array-1'), volume);

describe("lab disks: P2V helpers serve a machine's disk, arrays take copy volumes (through rackshift's HTTP drivers)", () => {
  it('the helper boots only on a machine that is off, and the disk is readable only while it runs', async () => {
    const machine = lab.machine('m-r1-01');
    machine.powerOn();
    await once(machine, 'power');
    await expect(source().startHelper()).rejects.toThrow(DiskRequestRefusedError);
    await expect(source().startHelper()).rejects.toThrow(
      /shut its OS down before booting the P2V helper/,
    );
    machine.powerOff();
    await once(machine, 'power');
    await expect(source().read(0, 16)).rejects.toThrow(/does not run the P2V helper/);
    await expect(source().startHelper()).resolves.toEqual({ already: false });
    await expect(source().startHelper()).resolves.toEqual({ already: true });
    await expect(source().size()).resolves.toBe(SIZE);
  });

  it("serves the persona's deterministic bytes at any offset, each chunk with its SHA-256, and the whole disk's SHA-256", async () => {
    // Buffer.equals: jest's deep equality walks a megabyte byte by byte.
    const first = await source().read(0, MIB);
    expect(first.data.equals(diskBytes('db-01', 0, MIB))).toBe(true);
    expect(first.sha256).toBe(sha256Hex(first.data));
    expect(
      (await source().read(12_345, 777)).data.equals(
        diskBytes('db-01', 0, 13_122).subarray(12_345),
      ),
    ).toBe(true);
    expect(diskBytes('db-01', 0, 64).equals(diskBytes('web-01', 0, 64))).toBe(false);
    await expect(source().sha256()).resolves.toBe(diskSha256('db-01', SIZE));
    await expect(source().read(SIZE - 10, 11)).rejects.toThrow(/past the end/);
  });

  it('the stream-drop fault cuts one read short (a retryable transfer error), then the stream works again', async () => {
    disks.disks.dropStreamAfter('m-r1-01', 1);
    expect((await source().read(0, MIB)).data).toHaveLength(MIB);
    await expect(source().read(MIB, MIB)).rejects.toThrow(DiskTransferError);
    expect((await source().read(MIB, MIB)).data.equals(diskBytes('db-01', MIB, MIB))).toBe(true);
  });

  it("a copy volume is a LUN of the array (its CLI lists it), checks each chunk's SHA-256, and boots a guest only when it is the persona's disk", async () => {
    const volume = sink('db-01-p2v');
    await expect(volume.create(SIZE)).resolves.toEqual({ created: true });
    await expect(volume.create(SIZE)).resolves.toEqual({ created: false });
    await expect(volume.create(SIZE + 1)).rejects.toThrow(/already has volume db-01-p2v/);
    await expect(sink('db-01-boot').create(SIZE)).rejects.toThrow(/a LUN of the topology/);
    const array = (lab.components.find((c) => c.kind === 'arrays') as LabArraysComponent).array(
      'array-1',
    );
    expect((await array.exec('tgtadm --lld iscsi --mode target --op show')).stdout).toContain(
      'iqn.2026-11.lab.rackshift:array-1:db-01-p2v',
    );

    const at = disks.volumeView.locate('iqn.2026-11.lab.rackshift:array-1:db-01-p2v')!;
    expect(at).toMatchObject({ array: 'array-1', lun: 'db-01-p2v' });
    await volume.write(0, await source().read(0, MIB));
    expect(disks.volumeView.bootProblem('db-01', at)).toMatch(/is not db-01's disk/);

    // Bytes damaged on the way: the array refuses them, the sink says the chunk must be sent again.
    await expect(
      volume.write(0, { data: Buffer.from('bytes'), sha256: sha256Hex(Buffer.from('other')) }),
    ).rejects.toThrow(DiskChecksumError);

    for (let offset = MIB; offset < SIZE; offset += MIB)
      await volume.write(offset, await source().read(offset, MIB));
    await expect(volume.sha256()).resolves.toEqual({
      sizeBytes: SIZE,
      sha256: diskSha256('db-01', SIZE),
    });
    expect(disks.volumeView.bootProblem('db-01', at)).toBeUndefined();
    expect(disks.volumeView.bootProblem('web-01', at)).toMatch(/is not web-01's disk/);
  });

  it('a volume whose backing file the array removed (a deleted clone) is gone', async () => {
    const array = (lab.components.find((c) => c.kind === 'arrays') as LabArraysComponent).array(
      'array-1',
    );
    await array.exec('rm -f /var/lib/rackshift/luns/db-01-p2v.img');
    await expect(sink('db-01-p2v').sha256()).rejects.toThrow(/has no volume db-01-p2v/);
    expect(disks.volumeView.locate('iqn.2026-11.lab.rackshift:array-1:db-01-p2v')).toBeUndefined();
  });
});
