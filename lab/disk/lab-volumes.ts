import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { sha256Hex } from '../../drivers/disk/http-chunk-client';
import { LUN_NUMBER, lunIdOfTarget, lunTargetIqn } from '../../drivers/storage/lun-target';
import { DEFAULT_BACKING_DIR } from '../../drivers/storage/ssh-array-driver';
import type { Lab } from '../lab';
import type { LabArray } from '../san/lab-array';
import type { LabArraysComponent } from '../san/start-lab-arrays';
import { diskSha256 } from './disk-content';
import { LabDiskRefusal } from './lab-disk-refusal';

/** Where a VM's iSCSI disk points, resolved to an array volume. */
export interface LabVolumeAt {
  readonly array: string;
  readonly lun: string;
  readonly portalAddress: string;
  readonly portalPort: number;
}

/**
 * Volumes that copies are written to: LUNs created on a lab array (a target and a backing file
 * in its model, in rackshift's one-target-per-LUN layout, so masking them and deleting them as
 * clones goes through the array's own CLI), whose content the lab keeps and checksums. A
 * volume whose backing file was removed is gone. The corrupt fault flips a byte of the next
 * chunk after the array accepted it: damage at rest that only a whole-volume checksum finds.
 */
export class LabVolumes {
  private readonly content = new Map<string, Buffer>();
  private readonly corruptNext = new Set<string>();

  /**
   * `dir`: where each volume's bytes are kept (one file per volume, written through like a backing
   * file).
   */
  constructor(
    private readonly lab: Lab,
    private readonly dir: string,
  ) {}

  private file(key: string): string {
    return join(this.dir, `${key.replace('/', '__')}.img`);
  }

  /** Writes bytes of a volume through to its file. */
  private keep(key: string, offset: number, data: Buffer): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const fd = openSync(this.file(key), existsSync(this.file(key)) ? 'r+' : 'w', 0o600);
    try {
      writeSync(fd, data, 0, data.length, offset);
    } finally {
      closeSync(fd);
    }
  }

  snapshot(): { volumes: Record<string, number>; corruptNext: string[] } {
    return {
      volumes: Object.fromEntries([...this.content].map(([key, data]) => [key, data.length])),
      corruptNext: [...this.corruptNext],
    };
  }

  /**
   * Takes back the volumes an earlier lab wrote (bytes from their files; a missing file reads as
   * zeros).
   */
  restore(kept: { volumes: Record<string, number>; corruptNext: string[] }): void {
    for (const [key, size] of Object.entries(kept.volumes)) {
      const data = Buffer.alloc(size);
      if (existsSync(this.file(key))) readFileSync(this.file(key)).copy(data);
      this.content.set(key, data);
    }
    for (const key of kept.corruptNext) this.corruptNext.add(key);
  }

  private array(id: string): LabArray {
    const arrays = this.lab.components.find((c) => c.kind === 'arrays') as
      | LabArraysComponent
      | undefined;
    if (arrays === undefined) throw new LabDiskRefusal(404, 'no lab array runs');
    try {
      return arrays.array(id);
    } catch (e) {
      throw new LabDiskRefusal(404, (e as Error).message);
    }
  }

  private static key(array: string, lun: string): string {
    return `${array}/${lun}`;
  }

  private data(arrayId: string, lun: string): Buffer {
    const array = this.array(arrayId);
    const data = this.content.get(LabVolumes.key(arrayId, lun));
    if (data === undefined || !array.lunExists(lun))
      throw new LabDiskRefusal(404, `${arrayId} has no volume ${lun}`);
    return data;
  }

  create(arrayId: string, lun: string, sizeBytes: number): { created: boolean } {
    const array = this.array(arrayId);
    if (array.spec.luns.some((l) => l.id === lun))
      throw new LabDiskRefusal(
        409,
        `${lun} is a LUN of the topology, not a volume to write a copy to`,
      );
    const key = LabVolumes.key(arrayId, lun);
    const existing = this.content.get(key);
    if (array.lunExists(lun) && existing !== undefined) {
      if (existing.length !== sizeBytes)
        throw new LabDiskRefusal(
          409,
          `${arrayId} already has volume ${lun} of ${existing.length} bytes, not ${sizeBytes}`,
        );
      return { created: false };
    }
    const backing = `${DEFAULT_BACKING_DIR}/${lun}.img`;
    const model = array.model;
    const name = lunTargetIqn(array.spec.targetIqn, lun);
    model.files.add(backing);
    if (array.spec.kind === 'lio') model.backstores.set(lun, { kind: 'fileio', path: backing });
    (model.targetByName(name) ?? model.addTarget(name)).luns.set(LUN_NUMBER, backing);
    this.content.set(key, Buffer.alloc(sizeBytes));
    this.keep(key, 0, Buffer.alloc(0));
    this.keep(key, sizeBytes - 1, Buffer.alloc(1));
    this.lab.changed();
    return { created: true };
  }

  write(arrayId: string, lun: string, offset: number, data: Buffer, sha256: string): void {
    const volume = this.data(arrayId, lun);
    if (sha256Hex(data) !== sha256)
      throw new LabDiskRefusal(422, `chunk at byte ${offset} does not match its SHA-256`);
    if (offset + data.length > volume.length)
      throw new LabDiskRefusal(
        422,
        `bytes ${offset}…${offset + data.length} are past the end of ${lun} (${volume.length} bytes)`,
      );
    data.copy(volume, offset);
    const key = LabVolumes.key(arrayId, lun);
    if (this.corruptNext.delete(key)) volume[offset] = (volume[offset] ?? 0) ^ 0xff;
    this.keep(key, offset, volume.subarray(offset, offset + data.length));
  }

  digest(arrayId: string, lun: string): { sizeBytes: number; sha256: string } {
    const volume = this.data(arrayId, lun);
    return { sizeBytes: volume.length, sha256: sha256Hex(volume) };
  }

  /** Armed before or after the volume exists (a run creates it itself). */
  corruptNextWrite(arrayId: string, lun: string): void {
    this.array(arrayId);
    this.corruptNext.add(LabVolumes.key(arrayId, lun));
  }

  /** The volume a VM disk's target names, if it is one of these. */
  locate(targetIqn: string): LabVolumeAt | undefined {
    for (const [key] of this.content) {
      const [arrayId = '', lun = ''] = key.split('/');
      const array = this.array(arrayId);
      if (lunIdOfTarget(array.spec.targetIqn, targetIqn) === lun && array.lunExists(lun)) {
        return {
          array: arrayId,
          lun,
          portalAddress: array.spec.portal.address,
          portalPort: array.spec.portal.port,
        };
      }
    }
    return undefined;
  }

  /**
   * Why a guest booting `volume` is not `persona` (its content is not the persona's disk), or
   * undefined.
   */
  bootProblem(persona: string, volume: LabVolumeAt, personaDiskBytes: number): string | undefined {
    const { sizeBytes, sha256 } = this.digest(volume.array, volume.lun);
    if (sizeBytes !== personaDiskBytes)
      return `boots volume ${volume.array}/${volume.lun} of ${sizeBytes} bytes, but ${persona}'s disk has ${personaDiskBytes}`;
    const expected = diskSha256(persona, sizeBytes);
    return sha256 === expected
      ? undefined
      : `boots volume ${volume.array}/${volume.lun} whose content (SHA-256 ${sha256.slice(0, 12)}…) is not ${persona}'s disk (${expected.slice(0, 12)}…)`;
  }

  describe(): unknown {
    return Object.fromEntries(
      [...this.content.keys()]
        .filter((key) => {
          const [arrayId = '', lun = ''] = key.split('/');
          return this.array(arrayId).lunExists(lun);
        })
        .sort()
        .map((key) => [key, { sizeBytes: this.content.get(key)?.length ?? 0 }]),
    );
  }
}
