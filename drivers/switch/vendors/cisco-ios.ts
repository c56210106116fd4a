import type { VendorProfile } from '../vendor-profile';
import { parseIosFamilyInterface } from './ios-family-parser';

/**
 * Cisco IOS / IOS-XE Catalyst: lines apply as typed in `configure terminal`; `write memory` saves.
 */
export const ciscoIos: VendorProfile = {
  vendor: 'cisco-ios',
  transport: {
    kind: 'shell',
    prompt: /(?:^|\n)[A-Za-z0-9._-]+(?:\([A-Za-z0-9/:._-]+\))?[#>] ?$/,
    setup: ['terminal length 0'],
    privilege: {
      userPrompt: /^[A-Za-z0-9._-]+> ?$/,
      privilegedPrompt: /^[A-Za-z0-9._-]+# ?$/,
      command: 'enable',
      secretPrompt: /(?:^|\n)Password: ?$/,
    },
  },
  config: { enter: ['configure terminal'], commit: [], discard: [], exit: ['end'] },
  portPattern:
    /^(?:GigabitEthernet|TenGigabitEthernet|TwentyFiveGigE|FortyGigabitEthernet|HundredGigE|FastEthernet|Ethernet|Gi|Te|Fa|Twe|Fo|Hu)\d+(?:\/\d+){0,3}$|^Port-channel\d+$/,
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
  // IOS's parser refusals (the `^` marker line comes before them) and its `Command rejected: …`
  // (e.g. a trunk
  // on a port whose encapsulation is auto, a bad VLAN list), which no read-back would name.
  errorPatterns: [
    /^\s*% ?Invalid input detected/m,
    /^% ?Incomplete command/m,
    /^% ?Ambiguous command/m,
    /^% ?Unknown command/m,
    /^%.*\b(?:[Ee]rror|not allowed|[Ff]ailed)\b/m,
    /Command rejected/,
  ],
  parsePort: (outputs) => parseIosFamilyInterface(outputs),
};
