import type { VendorProfile } from '../vendor-profile';
import { ciscoIos } from './cisco-ios';

/** Arista EOS: the IOS dialect, with `interfaces` in the show command and Ethernet port names. */
export const aristaEos: VendorProfile = {
  ...ciscoIos,
  vendor: 'arista-eos',
  portPattern: /^(?:Ethernet\d+(?:\/\d+){0,2}|Port-Channel\d+)$/,
  portExample: 'Ethernet1 or Ethernet49/1',
  showPort: ['show running-config interfaces {port}'],
  // `% Invalid input (privileged mode required)` included; networking-generic-switch's arista.py
  // lists the first two.
  errorPatterns: [
    /^\s*% ?Invalid input/m,
    /^% ?Incomplete command/m,
    /^% ?Ambiguous command/m,
    /^% ?Unavailable command/m,
    /^%.*\b(?:[Ee]rror|not allowed|[Ff]ailed)\b/m,
  ],
};
