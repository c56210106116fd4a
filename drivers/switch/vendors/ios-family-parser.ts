import type { PortVlanState } from '../port-vlan-state';
import { parseVlanList } from '../vlan-list';

/**
 * `show running-config interface X` of the IOS-like CLIs (IOS, EOS, OS10) → port state.
 * Lines that are absent are not configured; a port without `switchport mode` is an access port.
 */
export function parseIosFamilyInterface(outputs: readonly string[]): PortVlanState | undefined {
  const lines = outputs
    .join('\n')
    .split('\n')
    .map((l) => l.trim());
  if (!lines.some((l) => /^interface\s+\S+$/i.test(l))) return undefined;
  let mode: PortVlanState['mode'] | undefined;
  let accessVlan: number | undefined;
  let trunkVlans: number[] | undefined;
  let shutdown = false;
  for (const line of lines) {
    let m: RegExpExecArray | null;
    if ((m = /^switchport mode (access|trunk)$/.exec(line))) mode = m[1] as PortVlanState['mode'];
    else if ((m = /^switchport access vlan (\d+)$/.exec(line))) accessVlan = Number(m[1]);
    else if (line === 'switchport trunk allowed vlan none') trunkVlans = [];
    else if ((m = /^switchport trunk allowed vlan (?:add )?([\d,-]+)$/.exec(line))) {
      const vlans = parseVlanList(m[1] as string);
      if (vlans === undefined) return undefined;
      // IOS wraps long lists into `… allowed vlan add …` continuation lines; OS10 lists are
      // additive.
      trunkVlans = [...(trunkVlans ?? []), ...vlans];
    } else if (line === 'shutdown') shutdown = true;
    else if (line === 'no shutdown') shutdown = false;
  }
  return {
    mode: mode ?? 'access',
    ...(mode === undefined && { defaultMode: true as const }),
    ...(accessVlan !== undefined && { accessVlan }),
    ...(trunkVlans !== undefined && { trunkVlans: [...new Set(trunkVlans)].sort((a, b) => a - b) }),
    shutdown,
  };
}
