import type { VendorProfile } from '../vendor-profile';
import { ciscoIos } from './cisco-ios';

/**
 * Dell OS10: IOS-like, but `switchport trunk allowed vlan L` adds to the list rather than
 * replacing it, so a new list is written as the VLANs to remove and the VLANs to add.
 */
export const dellOs10: VendorProfile = {
  ...ciscoIos,
  vendor: 'dell-os10',
  // An OS10 login lands in privileged EXEC (its roles, not `enable`, decide what it may do).
  transport: {
    kind: 'shell',
    prompt: /(?:^|\n)[A-Za-z0-9._-]+(?:\([A-Za-z0-9/:._-]+\))?[#>] ?$/,
    setup: ['terminal length 0'],
  },
  portPattern: /^(?:ethernet\d+\/\d+\/\d+(?::\d+)?|port-channel\d+)$/,
  portExample: 'ethernet1/1/1',
  emptyTrunkList: undefined,
  vlanModel: {
    kind: 'independent',
    accessMode: ['switchport mode access'],
    trunkMode: ['switchport mode trunk'],
    clearMode: ['no switchport mode'],
    clearAccessVlan: ['no switchport access vlan'],
    clearTrunkVlans: ['no switchport trunk allowed vlan {removedVlans}'],
  },
  addVlan: ['interface vlan {vlan}', 'exit'],
  setTrunkVlans: [
    'no switchport trunk allowed vlan {removedVlans}',
    'switchport trunk allowed vlan {addedVlans}',
  ],
  addTrunkVlan: ['switchport trunk allowed vlan {vlan}'],
  removeTrunkVlan: ['no switchport trunk allowed vlan {vlan}'],
  showPort: ['show running-configuration interface {port}'],
  saveConfig: ['copy running-configuration startup-configuration'],
  errorPatterns: [
    /^\s*% ?Error/m,
    /^\s*% ?Invalid input/m,
    /^% ?Incomplete command/m,
    /^% ?Ambiguous command/m,
  ],
};
