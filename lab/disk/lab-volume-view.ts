import type { Lab, LabComponent } from '../lab';
import type { LabVolumeAt } from './lab-volumes';

/**
 * What lab hypervisors need to know of copy volumes: where a VM disk's target leads, and
 * whether the volume a guest boots really holds its persona's disk.
 */
export interface LabVolumeView {
  locate(targetIqn: string): LabVolumeAt | undefined;
  /**
   * Why a guest booting `volume` is not `persona`, or undefined when the volume holds exactly its
   * disk.
   */
  bootProblem(persona: string, volume: LabVolumeAt): string | undefined;
}

/** The view of the lab's `disks` component, when it runs. */
export function labVolumeView(lab: Lab): LabVolumeView | undefined {
  return (
    lab.components.find((c) => c.kind === 'disks') as
      | (LabComponent & { volumeView?: LabVolumeView })
      | undefined
  )?.volumeView;
}
