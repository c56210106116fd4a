import type { VendorProfile } from '../vendor-profile';
import { parseIosFamilyInterface } from './ios-family-parser';

/** Cisco IOS / IOS-XE Catalyst: lines apply as typed in `configure terminal`; `write memory` saves. */
export const ciscoIos: VendorProfile = {
  vendor: 'cisco-ios',
  transport: { kind: 'shell', prompt: /(?:^|\n)[A-Za-z0-9._-]+(?:\([A-Za-z0-9/:._-]+\))?[#>] ?$/, setup: ['terminal length 0'] },
  config: { enter: ['configure terminal'], commit: [], discard: [], exit: ['end'] },
  portPattern: /^(?:GigabitEthernet|TenGigabitEthernet|TwentyFiveGigE|FortyGigabitEthernet|HundredGigE|FastEthernet|Ethernet|Gi|Te|Fa|Twe|Fo|Hu)\d+(?:\/\d+){0,3}$|^Port-channel\d+$/,
  portExample: 'GigabitEthernet1/0/1',
  vlanList: { separator: ',', ranges: true },
  emptyTrunkList: 'none',
  vlanModel: {
    kind: 'independent',
    accessMode: ['switchport mode access'],
    trunkMode: ['switchport mode trunk'],
    clearMode: ['no switchport mode'],
    clearAccessVlan: ['no switchport access vlan'],
    clearTrunkVlans: ['no switchport trunk allowed vlan'],
  },
  portContext: ['interface {port}'],
  addVlan: ['vlan {vlan}', 'exit'],
  setAccessVlan: ['switchport access vlan {vlan}'],
  setTrunkVlans: ['switchport trunk allowed vlan {vlans}'],
  addTrunkVlan: ['switchport trunk allowed vlan add {vlan}'],
  removeTrunkVlan: ['switchport trunk allowed vlan remove {vlan}'],
  shutdown: ['shutdown'],
  noShutdown: ['no shutdown'],
  showPort: ['show running-config interface {port}'],
  saveConfig: ['write memory'],
  errorPatterns: [/^\s*% ?Invalid input detected/m, /^% ?Incomplete command/m, /^% ?Ambiguous command/m, /^% ?Unknown command/m, /^%.*\b(?:[Ee]rror|not allowed|[Ff]ailed)\b/m],
  parsePort: (outputs) => parseIosFamilyInterface(outputs),
};
