import type { PortVlanState } from '../port-vlan-state';
import type { VendorProfile } from '../vendor-profile';
import { parseVlanList } from '../vlan-list';

/** `ovs-vsctl get port X vlan_mode tag trunks -- get interface X admin_state` (one value per line) → port state. */
function parseOvsPort(outputs: readonly string[]): PortVlanState | undefined {
  const lines = outputs.join('\n').trim().split('\n').map((l) => l.trim());
  if (lines.length !== 4) return undefined;
  const [vlanMode, tag, trunks, admin] = lines as [string, string, string, string];
  if (!/^(?:up|down|\[\])$/.test(admin)) return undefined;
  const accessVlan = tag === '[]' ? undefined : Number(tag);
  if (accessVlan !== undefined && !(accessVlan >= 1 && accessVlan <= 4094)) return undefined;
  const trunkList = /^\[(.*)\]$/.exec(trunks)?.[1];
  const trunkVlans = trunkList === undefined ? undefined : trunkList.trim() === '' ? undefined : parseVlanList(trunkList);
  if (trunkList === undefined || (trunkList.trim() !== '' && trunkVlans === undefined)) return undefined;
  // vlan_mode unset: OVS treats a tagged port as access and an untagged one as trunk.
  const mode = vlanMode === 'access' || vlanMode === 'trunk' ? vlanMode : accessVlan !== undefined ? 'access' : 'trunk';
  return { mode, ...(mode !== vlanMode && { defaultMode: true as const }), ...(accessVlan !== undefined && { accessVlan }), ...(trunkVlans !== undefined && { trunkVlans }), shutdown: admin === 'down' };
}

/**
 * Open vSwitch through `ovs-vsctl` over exec. Consecutive ovs-vsctl lines of one change are
 * joined with `--` into one OVSDB transaction; `tag` and `trunks` are independent columns, and
 * an empty `trunks` means every VLAN, so an empty trunk list is refused. Shutdown is the
 * OpenFlow port-down bit of the topology's bridge.
 */
export const ovs: VendorProfile = {
  vendor: 'ovs',
  transport: { kind: 'exec', merge: { prefix: 'ovs-vsctl ', joiner: ' -- ' } },
  config: { enter: [], commit: [], discard: [], exit: [] },
  portPattern: /^[A-Za-z][A-Za-z0-9_.-]{0,14}$/,
  portExample: 'vnet0 or p1',
  vlanList: { separator: ' ', ranges: false },
  vlanModel: {
    kind: 'independent',
    accessMode: ['ovs-vsctl set port {port} vlan_mode=access'],
    trunkMode: ['ovs-vsctl set port {port} vlan_mode=trunk'],
    clearMode: ['ovs-vsctl clear port {port} vlan_mode'],
    clearAccessVlan: ['ovs-vsctl clear port {port} tag'],
    clearTrunkVlans: ['ovs-vsctl clear port {port} trunks'],
  },
  portContext: [],
  addVlan: [],
  setAccessVlan: ['ovs-vsctl set port {port} tag={vlan}'],
  setTrunkVlans: ['ovs-vsctl clear port {port} trunks', 'ovs-vsctl add port {port} trunks {vlans}'],
  addTrunkVlan: ['ovs-vsctl add port {port} trunks {vlan}'],
  removeTrunkVlan: ['ovs-vsctl remove port {port} trunks {vlan}'],
  shutdown: ['ovs-ofctl mod-port {bridge} {port} down'],
  noShutdown: ['ovs-ofctl mod-port {bridge} {port} up'],
  showPort: ['ovs-vsctl get port {port} vlan_mode tag trunks -- get interface {port} admin_state'],
  saveConfig: [],
  errorPatterns: [/^ovs-vsctl: /m, /^ovs-ofctl: /m],
  parsePort: (outputs) => parseOvsPort(outputs),
};
