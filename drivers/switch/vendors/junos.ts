import type { PortVlanState } from '../port-vlan-state';
import type { VendorProfile } from '../vendor-profile';
import { parseVlanList } from '../vlan-list';

const ES = 'unit 0 family ethernet-switching';

/** `show configuration interfaces X` (curly-brace form) → port state. */
function parseJunosInterface(outputs: readonly string[]): PortVlanState | undefined {
  const text = outputs.join('\n');
  if (/syntax error|^error:/m.test(text)) return undefined;
  const shutdown = /^\s*disable;\s*$/m.test(text);
  const mode = /interface-mode (access|trunk);/.exec(text)?.[1] as 'access' | 'trunk' | undefined;
  const membersText = /members\s+(?:\[\s*([^\]]*?)\s*\]|(\S+?));/.exec(text);
  const members = membersText === null ? [] : parseVlanList((membersText[1] ?? membersText[2]) as string);
  if (members === undefined) return undefined;
  if (mode === 'trunk') return { mode, trunkVlans: members, shutdown };
  return { mode: 'access', ...(mode === undefined && { defaultMode: true as const }), ...(members[0] !== undefined && { accessVlan: members[0] }), shutdown };
}

/**
 * Juniper Junos (ELS): changes go to a candidate configuration and take effect with
 * `commit`; a rejected line or commit is thrown away with `rollback` before leaving.
 * `vlan members` is one list whose meaning follows `interface-mode`.
 */
export const junos: VendorProfile = {
  vendor: 'junos',
  transport: { kind: 'shell', prompt: /(?:^|\n)[A-Za-z0-9._-]+@[A-Za-z0-9._-]+[>#] ?$/, setup: ['set cli screen-length 0'] },
  config: { enter: ['configure'], commit: ['commit'], discard: ['rollback'], exit: ['exit'] },
  portPattern: /^(?:(?:ge|xe|et|mge|fe)-\d+\/\d+\/\d+(?::\d+)?|ae\d+)$/,
  portExample: 'ge-0/0/1',
  vlanList: { separator: ' ', ranges: false },
  vlanModel: { kind: 'combined', clearVlans: [`delete interfaces {port} ${ES}`] },
  portContext: [],
  // VLANs are named by operators (`vlans prod-web vlan-id 110`); declaring another name for the
  // same id would fail the commit, so members refer to existing VLANs by id and nothing is declared.
  addVlan: [],
  setAccessVlan: [`delete interfaces {port} ${ES} vlan`, `set interfaces {port} ${ES} interface-mode access`, `set interfaces {port} ${ES} vlan members {vlan}`],
  setTrunkVlans: [`delete interfaces {port} ${ES} vlan`, `set interfaces {port} ${ES} interface-mode trunk`, `set interfaces {port} ${ES} vlan members [ {vlans} ]`],
  addTrunkVlan: [`set interfaces {port} ${ES} vlan members {vlan}`],
  removeTrunkVlan: [`delete interfaces {port} ${ES} vlan members {vlan}`],
  shutdown: ['set interfaces {port} disable'],
  noShutdown: ['delete interfaces {port} disable'],
  showPort: ['show configuration interfaces {port}'],
  saveConfig: [],
  errorPatterns: [/syntax error/, /^\s*error:/m, /unknown command/, /missing argument/, /is ambiguous/],
  parsePort: (outputs) => parseJunosInterface(outputs),
};
