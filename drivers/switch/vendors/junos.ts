import type { PortVlanState } from '../port-vlan-state';
import type { VendorProfile } from '../vendor-profile';
import { parseVlanList } from '../vlan-list';

const ES = 'unit 0 family ethernet-switching';

/** A VLAN name as rackshift accepts it from a switch before writing it back into a command. */
const VLAN_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

/** `show configuration vlans` → vlan-id to name. A name that is not a plain word is left out. */
function parseJunosVlans(outputs: readonly string[]): Map<number, string> {
  const names = new Map<number, string>();
  let name: string | undefined;
  let depth = 0;
  for (const line of (outputs[1] ?? '').split('\n').map((l) => l.trim())) {
    if (depth === 0) {
      name = /^(\S+) \{$/.exec(line)?.[1];
      if (name !== undefined) depth = 1;
    } else if (line.endsWith('{')) depth += 1;
    else if (line === '}') depth -= 1;
    else if (depth === 1 && name !== undefined && VLAN_NAME.test(name)) {
      const id = /^vlan-id (\d{1,4});$/.exec(line)?.[1];
      if (id !== undefined) names.set(Number(id), name);
    }
  }
  return names;
}

/**
 * `show configuration interfaces X` (curly-brace form) plus `show configuration vlans` → port
 * state. `vlan members` lists VLAN names (as real configurations do) or vlan-ids.
 */
function parseJunosInterface(outputs: readonly string[]): PortVlanState | undefined {
  const text = outputs[0] ?? '';
  if (outputs.some((o) => /syntax error|^error:/m.test(o))) return undefined;
  const shutdown = /^\s*disable;\s*$/m.test(text);
  const mode = /interface-mode (access|trunk);/.exec(text)?.[1] as 'access' | 'trunk' | undefined;
  const membersText = /members\s+(?:\[\s*([^\]]*?)\s*\]|(\S+?));/.exec(text);
  const ids = new Map([...parseJunosVlans(outputs)].map(([id, name]) => [name, id]));
  const words =
    membersText === null ? [] : ((membersText[1] ?? membersText[2]) as string).split(/\s+/);
  const members: number[] = [];
  for (const word of words) {
    const id = /^\d+$/.test(word) ? parseVlanList(word)?.[0] : ids.get(word);
    if (id === undefined) return undefined;
    members.push(id);
  }
  if (mode === 'trunk')
    return { mode, trunkVlans: [...new Set(members)].sort((a, b) => a - b), shutdown };
  return {
    mode: 'access',
    ...(mode === undefined && { defaultMode: true as const }),
    ...(members[0] !== undefined && { accessVlan: members[0] }),
    shutdown,
  };
}

/**
 * Juniper Junos (ELS): changes go to a private candidate (`configure private`, as
 * networking-generic-switch does: the shared candidate may hold a colleague's unfinished work,
 * which a plain `commit` would make live) and take effect with `commit`; a rejected line or
 * commit is thrown away with `rollback` before leaving. A database locked by another user is
 * waited for. `vlan members` is one list whose meaning follows `interface-mode`; members are
 * written by the VLAN's name where it has one, as the configuration already names them.
 */
export const junos: VendorProfile = {
  vendor: 'junos',
  transport: {
    kind: 'shell',
    prompt: /(?:^|\n)[A-Za-z0-9._-]+@[A-Za-z0-9._-]+[>#] ?$/,
    setup: ['set cli screen-length 0'],
  },
  config: {
    enter: ['configure private'],
    commit: ['commit'],
    discard: ['rollback'],
    exit: ['exit'],
    busy: [/error: configuration database locked/, /error: shared configuration database modified/],
  },
  portPattern: /^(?:(?:ge|xe|et|mge|fe)-\d+\/\d+\/\d+(?::\d+)?|ae\d+)$/,
  portExample: 'ge-0/0/1',
  vlanList: { separator: ' ', ranges: false },
  vlanModel: { kind: 'combined', clearVlans: [`delete interfaces {port} ${ES}`] },
  portContext: [],
  // A VLAN the switch does not have yet is declared the way configurations name them (`vlan-120`);
  // one it has is used by its own name (the driver reads `show configuration vlans` with the port).
  addVlan: ['set vlans vlan-{vlan} vlan-id {vlan}'],
  setAccessVlan: [
    `delete interfaces {port} ${ES} vlan`,
    `set interfaces {port} ${ES} interface-mode access`,
    `set interfaces {port} ${ES} vlan members {vlan}`,
  ],
  setTrunkVlans: [
    `delete interfaces {port} ${ES} vlan`,
    `set interfaces {port} ${ES} interface-mode trunk`,
    `set interfaces {port} ${ES} vlan members [ {vlans} ]`,
  ],
  addTrunkVlan: [`set interfaces {port} ${ES} vlan members {vlan}`],
  removeTrunkVlan: [`delete interfaces {port} ${ES} vlan members {vlan}`],
  shutdown: ['set interfaces {port} disable'],
  noShutdown: ['delete interfaces {port} disable'],
  showPort: ['show configuration interfaces {port}', 'show configuration vlans'],
  saveConfig: [],
  errorPatterns: [
    /syntax error/,
    /^\s*error:/m,
    /unknown command/,
    /missing argument/,
    /is ambiguous/,
  ],
  parsePort: (outputs) => parseJunosInterface(outputs),
  parseVlanNames: parseJunosVlans,
};
