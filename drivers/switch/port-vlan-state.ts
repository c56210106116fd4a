import { z } from 'zod';
import { vlanSchema } from '../../inventory/patterns';

/**
 * What a switch port carries. On vendors that keep the access VLAN and the trunk list as
 * separate settings (IOS, EOS, OS10, OVS) both are read and written even when inactive,
 * so that restoring a prior state gives back the very same configuration. An absent field
 * means "not configured" (the device default), not "empty".
 */
export const portVlanStateSchema = z.strictObject({
  mode: z.enum(['access', 'trunk']),
  accessVlan: vlanSchema.optional(),
  trunkVlans: z.array(vlanSchema).max(4094).optional(),
  shutdown: z.boolean().default(false),
  /**
   * The mode is not configured and `mode` is the device's default (IOS without `switchport mode`,
   * OVS without vlan_mode).
   */
  defaultMode: z.literal(true).optional(),
});
export type PortVlanState = z.output<typeof portVlanStateSchema>;

/** Sorted, de-duplicated trunk list; fields in a fixed order so states compare as JSON. */
export function normalizeState(s: PortVlanState): PortVlanState {
  return {
    mode: s.mode,
    ...(s.accessVlan !== undefined && { accessVlan: s.accessVlan }),
    ...(s.trunkVlans !== undefined && {
      trunkVlans: [...new Set(s.trunkVlans)].sort((a, b) => a - b),
    }),
    shutdown: s.shutdown,
    ...(s.defaultMode === true && { defaultMode: true as const }),
  };
}

export function sameVlans(
  a: readonly number[] | undefined,
  b: readonly number[] | undefined,
): boolean {
  if (a === undefined || b === undefined) return a === b;
  const x = [...new Set(a)].sort((p, q) => p - q);
  const y = [...new Set(b)].sort((p, q) => p - q);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

export function sameState(a: PortVlanState, b: PortVlanState): boolean {
  return (
    a.mode === b.mode &&
    a.defaultMode === b.defaultMode &&
    a.accessVlan === b.accessVlan &&
    a.shutdown === b.shutdown &&
    sameVlans(a.trunkVlans, b.trunkVlans)
  );
}

export function describeState(s: PortVlanState): string {
  const vlans =
    s.mode === 'access'
      ? s.accessVlan === undefined
        ? 'access, no VLAN configured'
        : `access VLAN ${s.accessVlan}`
      : s.trunkVlans === undefined
        ? 'trunk, no allowed list configured'
        : `trunk ${s.trunkVlans.join(',') || 'of no VLAN'}`;
  return `${vlans}${s.defaultMode ? ' (mode not configured)' : ''}${s.shutdown ? ', shut down' : ''}`;
}
