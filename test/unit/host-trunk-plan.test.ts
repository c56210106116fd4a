import {
  addToTrunks,
  removeFromTrunks,
  restoreToTrunks,
} from '../../domain/network/host-trunk-plan';
import type { PortSpec } from '../../domain/network/port-spec';

const trunk = (port: string, vlans: number[], shutdown = false): PortSpec => ({
  switchId: 'sw',
  port,
  mode: 'trunk',
  trunkVlans: vlans,
  shutdown,
});
const access = (port: string, vlan: number): PortSpec => ({
  switchId: 'sw',
  port,
  mode: 'access',
  accessVlan: vlan,
  shutdown: false,
});
const none = () => new Set<number>();

describe('host trunk plan', () => {
  it('adds a VLAN no up trunk carries to every up trunk, keeping what they carry (a union); other ports are left alone', () => {
    const ports = [
      trunk('p0', [300, 400]),
      trunk('p1', [200, 300]),
      access('p2', 10),
      trunk('p3', [5], true),
    ];
    expect(addToTrunks('h', ports, [110, 300])).toEqual({
      targets: [trunk('p0', [110, 300, 400]), trunk('p1', [110, 200, 300])],
      changes: [
        { switchId: 'sw', port: 'p0', vlans: [110] },
        { switchId: 'sw', port: 'p1', vlans: [110] },
      ],
    });
  });

  it('changes nothing when some up trunk already carries every VLAN', () => {
    expect(addToTrunks('h', [trunk('p0', [110, 400]), trunk('p1', [200])], [110])).toEqual({
      targets: [],
      changes: [],
    });
  });

  it('refuses a host without an up trunk: it was never brought up', () => {
    expect(() => addToTrunks('h', [access('p0', 10), trunk('p1', [1], true)], [110])).toThrow(
      /none of h's ports is an up trunk/,
    );
  });

  it('removes only the VLANs it is given and no port must keep, leaving what another run added meanwhile', () => {
    const now = [trunk('p0', [110, 120, 300]), trunk('p1', [110, 200])];
    const plan = removeFromTrunks(
      now,
      [
        { switchId: 'sw', port: 'p0', vlans: [110] },
        { switchId: 'sw', port: 'p1', vlans: [110] },
      ],
      (p) => new Set(p.port === 'p1' ? [110] : []),
    );
    expect(plan).toEqual({
      targets: [trunk('p0', [120, 300])],
      changes: [{ switchId: 'sw', port: 'p0', vlans: [110] }],
    });
  });

  it('a removal and its restore give the ports back exactly', () => {
    const start = [trunk('p0', [110, 300, 400]), trunk('p1', [110, 200, 300])];
    const removed = removeFromTrunks(
      start,
      start.map((p) => ({ switchId: p.switchId, port: p.port, vlans: [110, 400] })),
      none,
    );
    expect(removed.targets).toEqual([trunk('p0', [300]), trunk('p1', [200, 300])]);
    const restored = restoreToTrunks(removed.targets, removed.changes);
    expect(restored.targets).toEqual(start);
  });
});
