import type { PortVlanState } from '../port-vlan-state';
import type { VendorProfile } from '../vendor-profile';
import { parseVlanList } from '../vlan-list';

const DOMAIN = 'bridge domain br_default';

/**
 * `nv show interface X -o json` → port state: `access` makes an access port, `vlan` keys a trunk.
 */
function parseNvueInterface(outputs: readonly string[]): PortVlanState | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(outputs.join('\n'));
  } catch {
    return undefined;
  }
  const obj = (v: unknown): Record<string, unknown> =>
    v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : {};
  const domain = obj(obj(obj(obj(doc).bridge).domain).br_default);
  const state = obj(obj(obj(doc).link).state);
  const shutdown = 'down' in state || obj(doc).link === 'down';
  if (typeof domain.access === 'number')
    return { mode: 'access', accessVlan: domain.access, shutdown };
  const keys = Object.keys(obj(domain.vlan));
  if (keys.length === 0) return { mode: 'access', shutdown };
  const vlans = parseVlanList(keys.join(','));
  return vlans === undefined ? undefined : { mode: 'trunk', trunkVlans: vlans, shutdown };
}

/**
 * Cumulus Linux NVUE, run line by line over exec: `nv set` stages a pending revision that
 * `nv config apply` makes effective; `nv config detach` drops it after a rejected line.
 */
export const cumulusNvue: VendorProfile = {
  vendor: 'cumulus-nvue',
  transport: { kind: 'exec' },
  config: { enter: [], commit: ['nv config apply -y'], discard: ['nv config detach'], exit: [] },
  portPattern: /^(?:swp\d+(?:s\d+)?|bond\d+)$/,
  portExample: 'swp1',
  vlanList: { separator: ',', ranges: true },
  vlanModel: {
    kind: 'combined',
    clearVlans: [
      `nv unset interface {port} ${DOMAIN} access`,
      `nv unset interface {port} ${DOMAIN} vlan`,
    ],
  },
  portContext: [],
  addVlan: [`nv set ${DOMAIN} vlan {vlan}`],
  setAccessVlan: [
    `nv unset interface {port} ${DOMAIN} vlan`,
    `nv set interface {port} ${DOMAIN} access {vlan}`,
  ],
  setTrunkVlans: [
    `nv unset interface {port} ${DOMAIN} access`,
    `nv unset interface {port} ${DOMAIN} vlan`,
    `nv set interface {port} ${DOMAIN} vlan {vlans}`,
  ],
  addTrunkVlan: [`nv set interface {port} ${DOMAIN} vlan {vlan}`],
  removeTrunkVlan: [`nv unset interface {port} ${DOMAIN} vlan {vlan}`],
  shutdown: ['nv set interface {port} link state down'],
  noShutdown: ['nv set interface {port} link state up'],
  showPort: ['nv show interface {port} -o json'],
  saveConfig: ['nv config save'],
  // Besides a non-zero exit: networking-generic-switch's cumulus.py list for NVUE.
  errorPatterns: [
    /^Error:/m,
    /^Invalid /m,
    /is not a valid/,
    /Config invalid at/,
    /Failure during apply/,
    /Unable to restart services/,
    /command not found/,
  ],
  parsePort: (outputs) => parseNvueInterface(outputs),
};
