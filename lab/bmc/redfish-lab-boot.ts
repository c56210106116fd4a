import { z } from 'zod';
import type { LabBootDevice, LabBootOverride } from '../lab-machine';

/** The lab's boot devices as Redfish BootSourceOverrideTarget values. */
const BOOT_TARGETS: Readonly<Record<LabBootDevice, string>> = {
  none: 'None',
  pxe: 'Pxe',
  disk: 'Hdd',
  cdrom: 'Cd',
  bios: 'BiosSetup',
};
export const TARGET_VALUES = Object.values(BOOT_TARGETS) as [string, ...string[]];

export const bootPatchSchema = z.looseObject({
  Boot: z.strictObject({
    BootSourceOverrideTarget: z.enum(TARGET_VALUES).optional(),
    BootSourceOverrideEnabled: z.enum(['Disabled', 'Once', 'Continuous']).optional(),
    BootSourceOverrideMode: z.enum(['UEFI', 'Legacy']).optional(),
  }),
});
export type BootPatch = z.output<typeof bootPatchSchema>['Boot'];

/** The Redfish Boot object of an override. */
export function bootObject(boot: LabBootOverride): Record<string, string> {
  return {
    BootSourceOverrideTarget: BOOT_TARGETS[boot.device],
    BootSourceOverrideEnabled:
      boot.device === 'none' ? 'Disabled' : boot.persistent ? 'Continuous' : 'Once',
    BootSourceOverrideMode: boot.uefi ? 'UEFI' : 'Legacy',
  };
}

/** The override after a PATCH; properties left out keep their value. */
export function applyBootPatch(current: LabBootOverride, patch: BootPatch): LabBootOverride {
  const target = Object.entries(BOOT_TARGETS).find(
    ([, v]) => v === patch.BootSourceOverrideTarget,
  )?.[0] as LabBootDevice | undefined;
  const enabled = patch.BootSourceOverrideEnabled;
  return {
    device: enabled === 'Disabled' ? 'none' : (target ?? current.device),
    persistent: enabled === undefined ? current.persistent : enabled === 'Continuous',
    uefi:
      patch.BootSourceOverrideMode === undefined
        ? current.uefi
        : patch.BootSourceOverrideMode === 'UEFI',
  };
}

/** Enabled/Mode properties a PATCH sets to the value they already have. */
export function unchangedBootProperties(current: LabBootOverride, patch: BootPatch): string[] {
  const now = bootObject(current);
  return (['BootSourceOverrideEnabled', 'BootSourceOverrideMode'] as const).filter(
    (p) => patch[p] !== undefined && patch[p] === now[p],
  );
}
