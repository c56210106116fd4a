import { join } from 'node:path';
import { z } from 'zod';
import type { Lab, LabComponent } from '../lab';
import { labDiskRoutes } from './lab-disk-routes';
import { LabMachineDisks, type LabDiskConfig } from './lab-machine-disks';
import type { LabVolumeView } from './lab-volume-view';
import { LabVolumes } from './lab-volumes';

export interface LabDisksComponent extends LabComponent {
  readonly disks: LabMachineDisks;
  readonly volumes: LabVolumes;
  readonly volumeView: LabVolumeView;
  /** Changes disk sizes or the stream rate; returns the whole configuration. */
  configure(change: Partial<LabDiskConfig>): LabDiskConfig;
}

const snapshotSchema = z.strictObject({
  disks: z.strictObject({
    config: z.strictObject({
      defaultSizeBytes: z.number().int().min(1),
      sizes: z.record(z.string(), z.number().int().min(1)),
      bytesPerSecond: z.number().int().min(1).nullable(),
    }),
    installed: z.record(z.string(), z.string()),
    helpers: z.array(z.string()),
    drops: z.record(z.string(), z.number().int().min(0)),
  }),
  volumes: z.strictObject({
    volumes: z.record(z.string(), z.number().int().min(1)),
    corruptNext: z.array(z.string()),
  }),
});

/**
 * Local disks for every lab machine (served by the P2V helper) and copy volumes on the lab
 * arrays, for copy-mode P2V. Routes go on the control server; see lab-disk-routes.
 */
export async function startLabDisks(lab: Lab): Promise<LabDisksComponent> {
  const disks = new LabMachineDisks(lab);
  const volumes = new LabVolumes(lab, join(lab.options.dataDir, 'volumes'));
  const kept = lab.restoredSection('disks', snapshotSchema);
  if (kept !== undefined) {
    disks.restore(kept.disks);
    volumes.restore(kept.volumes);
  }
  const configure = (change: Partial<LabDiskConfig>): LabDiskConfig => {
    disks.config = {
      ...disks.config,
      ...change,
      sizes: { ...disks.config.sizes, ...change.sizes },
    };
    return disks.config;
  };
  lab.control.use(labDiskRoutes(disks, volumes, configure));
  return {
    kind: 'disks',
    disks,
    volumes,
    volumeView: {
      locate: (targetIqn) => volumes.locate(targetIqn),
      bootProblem: (persona, volume) => volumes.bootProblem(persona, volume, disks.sizeOf(persona)),
    },
    configure,
    describe: () => ({ ...(disks.describe() as object), volumes: volumes.describe() }),
    snapshot: () => ({ disks: disks.snapshot(), volumes: volumes.snapshot() }),
    stop: () => Promise.resolve(),
  };
}

/** The lab's disks component (tests and benches reach its faults and counters through it). */
export function labDisks(lab: Lab): LabDisksComponent {
  const c = lab.components.find((x) => x.kind === 'disks');
  if (c === undefined) throw new Error('the lab runs no "disks" component');
  return c as LabDisksComponent;
}
