import type { SwitchVendor } from '../../inventory/topology-schema';
import type { VendorProfile } from './vendor-profile';
import { aristaEos } from './vendors/arista-eos';
import { ciscoIos } from './vendors/cisco-ios';
import { cumulusNvue } from './vendors/cumulus-nvue';
import { dellOs10 } from './vendors/dell-os10';
import { junos } from './vendors/junos';
import { ovs } from './vendors/ovs';
import { sonic } from './vendors/sonic';

/** Every vendor the topology may name, as data. */
export const SWITCH_VENDORS: Readonly<Record<SwitchVendor, VendorProfile>> = Object.freeze({
  'cisco-ios': ciscoIos,
  'arista-eos': aristaEos,
  junos,
  'dell-os10': dellOs10,
  'cumulus-nvue': cumulusNvue,
  sonic,
  ovs,
});
