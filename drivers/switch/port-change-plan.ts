import { expandTemplate, type TemplateValues } from './command-template';
import { sameVlans, type PortVlanState } from './port-vlan-state';
import type { CommandTemplate, VendorProfile } from './vendor-profile';

export interface PlannedLine {
  readonly line: string;
  /** An answer that looks like an error but means "already so" (a VLAN that exists). */
  readonly tolerate?: RegExp;
}

export interface PortTarget {
  readonly port: string;
  readonly bridge?: string;
  /** VLAN names the switch uses (Junos), read with the port. */
  readonly vlanNames?: ReadonlyMap<number, string>;
}

function activeVlans(s: PortVlanState): number[] {
  if (s.mode === 'access') return s.accessVlan === undefined ? [] : [s.accessVlan];
  return [...(s.trunkVlans ?? [])];
}

function minus(a: readonly number[], b: readonly number[]): number[] {
  const drop = new Set(b);
  return [...new Set(a)].filter((v) => !drop.has(v)).sort((x, y) => x - y);
}

/**
 * The state as this vendor stores it: where access VLAN and trunk list are one membership
 * list (Junos, SONiC, NVUE), the inactive one does not exist and is dropped.
 */
export function canonicalState(vendor: VendorProfile, s: PortVlanState): PortVlanState {
  if (vendor.vlanModel.kind === 'independent') return s;
  return s.mode === 'access'
    ? {
        mode: 'access',
        ...(s.accessVlan !== undefined && { accessVlan: s.accessVlan }),
        shutdown: s.shutdown,
      }
    : { mode: 'trunk', trunkVlans: [...(s.trunkVlans ?? [])], shutdown: s.shutdown };
}

/**
 * The command lines that take a port from `current` to `desired` (both canonical), in the
 * order that never lets the port carry a VLAN it should not: a port being shut is shut
 * first, VLAN lists are set before the mode that activates them, and no-shut comes last.
 * Nothing to do gives an empty plan.
 */
export function planPortChange(
  vendor: VendorProfile,
  target: PortTarget,
  current: PortVlanState,
  desired: PortVlanState,
): PlannedLine[] {
  const base: TemplateValues = {
    port: target.port,
    ...(target.bridge !== undefined && { bridge: target.bridge }),
    ...(target.vlanNames !== undefined && { vlanNames: target.vlanNames }),
  };
  const expand = (t: CommandTemplate, values: TemplateValues = {}): string[] =>
    expandTemplate(vendor, t, { ...base, ...values });
  const body: string[] = [];
  const model = vendor.vlanModel;

  const trunkChange = (
    from: readonly number[] | undefined,
    to: readonly number[],
    sameMode: boolean,
  ): string[] => {
    const added = minus(to, from ?? []);
    const removed = minus(from ?? [], to);
    if (sameMode && from !== undefined && added.length === 1 && removed.length === 0)
      return expand(vendor.addTrunkVlan, { vlan: added[0] });
    if (sameMode && from !== undefined && removed.length === 1 && added.length === 0)
      return expand(vendor.removeTrunkVlan, { vlan: removed[0] });
    return expand(vendor.setTrunkVlans, {
      vlans: to,
      addedVlans: sameMode ? added : [...to],
      removedVlans: sameMode ? removed : [...(from ?? [])],
    });
  };

  let needed: number[];
  if (model.kind === 'independent') {
    needed = [
      ...(desired.accessVlan === undefined ? [] : [desired.accessVlan]),
      ...(desired.trunkVlans ?? []),
    ];
    if (desired.accessVlan !== current.accessVlan) {
      body.push(
        ...(desired.accessVlan === undefined
          ? expand(model.clearAccessVlan)
          : expand(vendor.setAccessVlan, { vlan: desired.accessVlan })),
      );
    }
    if (!sameVlans(desired.trunkVlans, current.trunkVlans)) {
      body.push(
        ...(desired.trunkVlans === undefined
          ? expand(model.clearTrunkVlans, { removedVlans: current.trunkVlans ?? [] })
          : trunkChange(current.trunkVlans, desired.trunkVlans, true)),
      );
    }
    if (desired.defaultMode && !current.defaultMode) body.push(...expand(model.clearMode));
    else if (!desired.defaultMode && (current.defaultMode || desired.mode !== current.mode)) {
      body.push(...expand(desired.mode === 'access' ? model.accessMode : model.trunkMode));
    }
  } else {
    const from = activeVlans(current);
    const to = activeVlans(desired);
    needed = to;
    const sameMode = desired.mode === current.mode;
    if (!sameMode || !sameVlans(from, to)) {
      if (to.length === 0) body.push(...expand(model.clearVlans, { removedVlans: from }));
      else if (desired.mode === 'access') {
        body.push(
          ...expand(vendor.setAccessVlan, {
            vlan: to[0],
            addedVlans: to,
            removedVlans: sameMode ? minus(from, to) : from,
          }),
        );
      } else body.push(...trunkChange(from, to, sameMode));
    }
  }

  const shutting = desired.shutdown && !current.shutdown;
  const opening = !desired.shutdown && current.shutdown;
  if (body.length === 0 && !shutting && !opening) return [];

  const portLines = [
    ...(shutting ? expand(vendor.shutdown) : []),
    ...body,
    ...(opening ? expand(vendor.noShutdown) : []),
  ];
  const currentVlans = new Set([
    ...(current.accessVlan === undefined ? [] : [current.accessVlan]),
    ...(current.trunkVlans ?? []),
  ]);
  // Where the switch's VLANs were read (Junos), one it already has is never declared again.
  const newVlans = [...new Set(needed)]
    .filter((v) => !currentVlans.has(v) && !(target.vlanNames?.has(v) ?? false))
    .sort((a, b) => a - b);
  const vlanLines: PlannedLine[] = newVlans.flatMap((vlan) =>
    expand(vendor.addVlan, { vlan }).map((line) => ({
      line,
      ...(vendor.addVlanExists !== undefined && { tolerate: vendor.addVlanExists }),
    })),
  );
  return [...vlanLines, ...[...expand(vendor.portContext), ...portLines].map((line) => ({ line }))];
}

/** The state a single-field operation leads to, from the state read just before it. */
export type StateTransform = (current: PortVlanState) => PortVlanState;
