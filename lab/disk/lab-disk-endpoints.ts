import type { DiskSource } from '../../drivers/disk/disk-source';
import { HttpDiskSource } from '../../drivers/disk/http-disk-source';
import { HttpVolumeSink } from '../../drivers/disk/http-volume-sink';
import type { VolumeSink } from '../../drivers/disk/volume-sink';
import type { Machine, StorageArray } from '../../inventory/topology-schema';

export interface LabDiskTransfer {
  readonly diskSource: (machine: Machine) => DiskSource;
  readonly volumeSink: (array: StorageArray, volume: string) => VolumeSink;
}

/**
 * The disk-transfer drivers of a worker that drives the lab: P2V helpers and array volume
 * APIs answer on the lab control server at `controlUrl`. A real deployment points the same
 * HTTP drivers at its helper image's and arrays' addresses.
 */
export function labDiskTransfer(controlUrl: string): LabDiskTransfer {
  return {
    diskSource: (machine) =>
      new HttpDiskSource({ machine: machine.id, url: `${controlUrl}/lab/machines/${machine.id}` }),
    volumeSink: (array, volume) =>
      new HttpVolumeSink({
        volume: `${array.id}/${volume}`,
        url: `${controlUrl}/lab/arrays/${array.id}/volumes/${volume}`,
      }),
  };
}
