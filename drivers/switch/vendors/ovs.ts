import type { PortVlanState } from '../port-vlan-state';
import type { VendorProfile } from '../vendor-profile';
import { parseVlanList } from '../vlan-list';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * `ovs-vsctl get port X vlan_mode tag trunks _uuid -- --if-exists get mirror rs-shut-X output_port`
 * (one value per line; the last only while the port is shut) → port state.
 */
function parseOvsPort(outputs: readonly string[]): PortVlanState | undefined {
  const lines = outputs
    .join('\n')
    .trim()
    .split('\n')
    .map((l) => l.trim());
  if (lines.length !== 4 && lines.length !== 5) return undefined;
  const [vlanMode, tag, trunks, uuid, mirrorOutput] = lines as [
    string,
    string,
    string,
    string,
    string?,
  ];
  if (!UUID.test(uuid) || (mirrorOutput !== undefined && !UUID.test(mirrorOutput)))
    return undefined;
  const accessVlan = tag === '[]' ? undefined : Number(tag);
  if (accessVlan !== undefined && !(accessVlan >= 1 && accessVlan <= 4094)) return undefined;
  const trunkList = /^\[(.*)\]$/.exec(trunks)?.[1];
  const trunkVlans =
    trunkList === undefined
      ? undefined
      : trunkList.trim() === ''
        ? undefined
        : parseVlanList(trunkList);
  if (trunkList === undefined || (trunkList.trim() !== '' && trunkVlans === undefined))
    return undefined;
  // vlan_mode unset: OVS treats a tagged port as access and an untagged one as trunk.
  const mode =
    vlanMode === 'access' || vlanMode === 'trunk'
      ? vlanMode
      : accessVlan !== undefined
        ? 'access'
        : 'trunk';
  return {
    mode,
    ...(mode !== vlanMode && { defaultMode: true as const }),
    ...(accessVlan !== undefined && { accessVlan }),
    ...(trunkVlans !== undefined && { trunkVlans }),
    shutdown: mirrorOutput === uuid,
  };
}

/**
 * Open vSwitch through `ovs-vsctl` over exec. Consecutive ovs-vsctl lines of one change are
 * joined with `--` into one OVSDB transaction; `tag` and `trunks` are independent columns, and
 * an empty `trunks` means every VLAN, so an empty trunk list is refused.
 *
 * OVSDB has no writable admin state (Interface `admin_state` is read-only) and the OpenFlow
 * port-down bit of `ovs-ofctl mod-port` is not stored, so it is lost when ovs-vswitchd restarts.
 * A shut port is instead the output port of an empty mirror `rs-shut-<port>` on its bridge: a
 * mirror output port forwards nothing but mirrored frames and drops what it receives (the
 * Mirror table's `output_port`), and the mirror lives in OVSDB, so the port stays shut across
 * restarts while its VLAN columns are left as they are.
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
  shutdown: [
    'ovs-vsctl --id=@p get port {port}',
    'ovs-vsctl --id=@m create mirror name=rs-shut-{port} output_port=@p',
    'ovs-vsctl add bridge {bridge} mirrors @m',
  ],
  // The mirror, once no bridge holds it, is garbage-collected by OVSDB.
  noShutdown: [
    'ovs-vsctl --id=@m get mirror rs-shut-{port}',
    'ovs-vsctl remove bridge {bridge} mirrors @m',
  ],
  showPort: [
    'ovs-vsctl get port {port} vlan_mode tag trunks _uuid -- --if-exists get mirror rs-shut-{port} output_port',
  ],
  saveConfig: [],
  errorPatterns: [/^ovs-vsctl: /m],
  parsePort: (outputs) => parseOvsPort(outputs),
};
