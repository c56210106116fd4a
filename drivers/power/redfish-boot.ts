import type { BootDevice, BootDeviceRequest, BootDeviceState } from './power-driver';
import type { RedfishBoot } from './redfish-schemas';

/** Boot devices as Redfish BootSourceOverrideTarget values. */
export const BOOT_TARGETS: Readonly<Record<BootDevice, string>> = { pxe: 'Pxe', disk: 'Hdd' };

/**
 * The `Boot` object to PATCH: the target always (it re-arms a one-time override), Enabled
 * and Mode only when they differ from what the BMC has, as OpenStack Ironic's redfish
 * management does (`_set_boot_device`, story 2007355: some BMCs fail when an unchanged
 * Enabled is written). The mode is never sent to a system without BootSourceOverrideMode.
 */
export function bootPatch(
  request: BootDeviceRequest,
  current: RedfishBoot | undefined,
  withMode: boolean,
): { Boot: Record<string, string> } {
  // Clearing the override only disables it (the Redfish Boot object's "no override"); a disabled
  // override's target is not used.
  if (request.device === 'none') return { Boot: { BootSourceOverrideEnabled: 'Disabled' } };
  const enabled = request.persistent ? 'Continuous' : 'Once';
  const mode = request.uefi ? 'UEFI' : 'Legacy';
  return {
    Boot: {
      BootSourceOverrideTarget: BOOT_TARGETS[request.device],
      ...(current?.BootSourceOverrideEnabled !== enabled && { BootSourceOverrideEnabled: enabled }),
      ...(withMode && current?.BootSourceOverrideMode !== mode && { BootSourceOverrideMode: mode }),
    },
  };
}

/** What a system's `Boot` object says; a disabled override means the normal boot order ("none"). */
export function bootState(boot: RedfishBoot | undefined): BootDeviceState {
  const target = boot?.BootSourceOverrideTarget ?? 'None';
  const enabled = boot?.BootSourceOverrideEnabled ?? 'Disabled';
  const entry = Object.entries(BOOT_TARGETS).find(([, value]) => value === target);
  const device: BootDeviceState['device'] =
    enabled === 'Disabled' || target === 'None'
      ? 'none'
      : entry
        ? (entry[0] as BootDevice)
        : 'other';
  return {
    device,
    persistent: enabled === 'Continuous',
    uefi: boot?.BootSourceOverrideMode === 'UEFI',
  };
}
