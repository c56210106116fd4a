import type { BootDevice, BootDeviceRequest, BootDeviceState } from './power-driver';
import type { RedfishBoot } from './redfish-schemas';

/** Boot devices as Redfish BootSourceOverrideTarget values. */
export const BOOT_TARGETS: Readonly<Record<BootDevice, string>> = { pxe: 'Pxe', disk: 'Hdd' };

/**
 * The `Boot` object to PATCH; the mode is left out for systems that have no
 * BootSourceOverrideMode. Clearing the override (`none`) only sets BootSourceOverrideEnabled to
 * Disabled (the Redfish Boot object's "no override"); the target is left as it is, since a
 * disabled override's target is not used.
 */
export function bootPatch(request: BootDeviceRequest, withMode: boolean): { Boot: Record<string, string> } {
  if (request.device === 'none') return { Boot: { BootSourceOverrideEnabled: 'Disabled' } };
  return {
    Boot: {
      BootSourceOverrideTarget: BOOT_TARGETS[request.device],
      BootSourceOverrideEnabled: request.persistent ? 'Continuous' : 'Once',
      ...(withMode && { BootSourceOverrideMode: request.uefi ? 'UEFI' : 'Legacy' }),
    },
  };
}

/** What a system's `Boot` object says; a disabled override means the normal boot order ("none"). */
export function bootState(boot: RedfishBoot | undefined): BootDeviceState {
  const target = boot?.BootSourceOverrideTarget ?? 'None';
  const enabled = boot?.BootSourceOverrideEnabled ?? 'Disabled';
  const entry = Object.entries(BOOT_TARGETS).find(([, value]) => value === target);
  const device: BootDeviceState['device'] = enabled === 'Disabled' || target === 'None' ? 'none' : entry ? (entry[0] as BootDevice) : 'other';
  return { device, persistent: enabled === 'Continuous', uefi: boot?.BootSourceOverrideMode === 'UEFI' };
}
