import type { PortVlanState } from '../port-vlan-state';
import type { VendorProfile } from '../vendor-profile';

/** Cells of a `+---+` bordered table row, or undefined for a border line. */
function cells(line: string): string[] | undefined {
  if (!line.startsWith('|')) return undefined;
  return line
    .split('|')
    .slice(1, -1)
    .map((c) => c.trim());
}

/**
 * `show vlan brief` (a bordered table whose VLAN ID cell is blank on continuation rows)
 * plus `show interfaces status X` (a space-aligned table with an Admin column).
 */
function parseSonicPort(outputs: readonly string[], port: string): PortVlanState | undefined {
  const [brief = '', status = ''] = outputs;
  const briefLines = brief.split('\n');
  const header = briefLines.map(cells).find((c) => c?.includes('VLAN ID'));
  const statusLines = status
    .split('\n')
    .filter((l) => l.trim() !== '' && !/^-+[\s-]*$/.test(l.trim()));
  const statusHeader = statusLines[0]?.trim().split(/\s{2,}/);
  const row = statusLines
    .find((l) => l.trim().split(/\s+/)[0] === port)
    ?.trim()
    .split(/\s{2,}/);
  const adminAt = statusHeader?.indexOf('Admin') ?? -1;
  if (header === undefined || row === undefined || adminAt < 0 || row[adminAt] === undefined)
    return undefined;
  const [idAt, portsAt, taggingAt] = [
    header.indexOf('VLAN ID'),
    header.indexOf('Ports'),
    header.indexOf('Port Tagging'),
  ];
  const tagged: number[] = [];
  const untagged: number[] = [];
  let vlan: number | undefined;
  for (const line of briefLines) {
    const c = cells(line);
    if (c === undefined || c === header) continue;
    if (/^\d+$/.test(c[idAt] ?? '')) vlan = Number(c[idAt]);
    if (vlan === undefined || c[portsAt] !== port) continue;
    (c[taggingAt] === 'untagged' ? untagged : tagged).push(vlan);
  }
  const shutdown = row[adminAt] === 'down';
  if (tagged.length > 0)
    return { mode: 'trunk', trunkVlans: tagged.sort((a, b) => a - b), shutdown };
  return {
    mode: 'access',
    ...(untagged[0] !== undefined && { accessVlan: untagged[0] }),
    shutdown,
  };
}

/**
 * SONiC's click CLI over exec: a port is an untagged (access) or tagged (trunk) member of
 * VLANs that must exist first; membership is changed one VLAN at a time.
 */
export const sonic: VendorProfile = {
  vendor: 'sonic',
  transport: {
    kind: 'exec',
    // An exec has no terminal, so sudo cannot ask for a password (networking-generic-switch instead
    // types one into `sudo su`).
    privilegeRefused: {
      pattern: /^sudo: (?:a terminal is required|a password is required|\d+ incorrect password)/m,
      how: 'sudo',
      advice:
        'give the switch account passwordless sudo (NOPASSWD) for /usr/local/bin/config: rackshift runs one command per SSH exec, with no terminal to type a password into',
    },
  },
  config: { enter: [], commit: [], discard: [], exit: [] },
  portPattern: /^(?:Ethernet\d+|PortChannel\d+)$/,
  portExample: 'Ethernet0',
  vlanList: { separator: ',', ranges: false },
  vlanModel: {
    kind: 'combined',
    clearVlans: ['sudo config vlan member del {eachRemovedVlan} {port}'],
  },
  portContext: [],
  addVlan: ['sudo config vlan add {vlan}'],
  addVlanExists: /already exists/,
  setAccessVlan: [
    'sudo config vlan member del {eachRemovedVlan} {port}',
    'sudo config vlan member add -u {vlan} {port}',
  ],
  setTrunkVlans: [
    'sudo config vlan member del {eachRemovedVlan} {port}',
    'sudo config vlan member add {eachAddedVlan} {port}',
  ],
  addTrunkVlan: ['sudo config vlan member add {vlan} {port}'],
  removeTrunkVlan: ['sudo config vlan member del {vlan} {port}'],
  shutdown: ['sudo config interface shutdown {port}'],
  noShutdown: ['sudo config interface startup {port}'],
  showPort: ['show vlan brief', 'show interfaces status {port}'],
  saveConfig: ['sudo config save -y'],
  // click's `Error: …` after its usage lines; networking-generic-switch's sonic.py texts are all
  // `Error: …` lines.
  errorPatterns: [/^Error:/m, /^Usage:/m, /^Root privileges are required/m],
  parsePort: parseSonicPort,
};
