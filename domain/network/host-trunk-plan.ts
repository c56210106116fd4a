import { ValidationError } from '../../common/errors';
import type { PortSpec } from './port-spec';

/** VLANs added to (or removed from) one port of a host's trunk. */
export interface TrunkChange {
  readonly switchId: string;
  readonly port: string;
  readonly vlans: readonly number[];
}

export interface HostTrunkPlan {
  /**
   * Every changed port exactly as it must become (for configurePorts); unchanged ports are left
   * out.
   */
  readonly targets: readonly PortSpec[];
  /** What each changed port gains or loses: what an undo hands back. */
  readonly changes: readonly TrunkChange[];
}

const key = (p: { switchId: string; port: string }): string => `${p.switchId}\0${p.port}`;
const sorted = (vlans: Iterable<number>): number[] => [...new Set(vlans)].sort((a, b) => a - b);
const isUpTrunk = (p: PortSpec): boolean => p.mode === 'trunk' && p.shutdown !== true;

function plan(ports: readonly PortSpec[], next: (p: PortSpec) => number[]): HostTrunkPlan {
  const targets: PortSpec[] = [];
  const changes: TrunkChange[] = [];
  for (const p of ports) {
    const before = sorted(p.trunkVlans ?? []);
    const after = sorted(next(p));
    if (after.length === before.length && after.every((v, i) => v === before[i])) continue;
    targets.push({ ...p, trunkVlans: after });
    const moved =
      after.length > before.length
        ? after.filter((v) => !before.includes(v))
        : before.filter((v) => !after.includes(v));
    changes.push({ switchId: p.switchId, port: p.port, vlans: moved });
  }
  return { targets, changes };
}

/**
 * A VM's VLANs on its host: each VLAN that no up trunk port of the host carries yet is added
 * to every up trunk port (the uplinks its VM bridge joins), keeping what they carry (a union).
 * Throws ValidationError when the host has no up trunk at all (it was never brought up).
 */
export function addToTrunks(
  host: string,
  ports: readonly PortSpec[],
  vlans: readonly number[],
): HostTrunkPlan {
  const trunks = ports.filter(isUpTrunk);
  if (trunks.length === 0)
    throw new ValidationError(`VLAN trunk of ${host}`, [
      {
        path: 'host.ports',
        message: `none of ${host}'s ports is an up trunk; bring it up with hypervisor-bringup first`,
      },
    ]);
  const missing = sorted(vlans).filter(
    (v) => !trunks.some((p) => (p.trunkVlans ?? []).includes(v)),
  );
  if (missing.length === 0) return { targets: [], changes: [] };
  return plan(trunks, (p) => [...(p.trunkVlans ?? []), ...missing]);
}

/** Adds back exactly `changes` (the undo of a removal), whatever else the ports carry now. */
export function restoreToTrunks(
  ports: readonly PortSpec[],
  changes: readonly TrunkChange[],
): HostTrunkPlan {
  const add = new Map(changes.map((c) => [key(c), c.vlans]));
  return plan(
    ports.filter((p) => add.has(key(p))),
    (p) => [...(p.trunkVlans ?? []), ...(add.get(key(p)) ?? [])],
  );
}

/**
 * Removes `changes` from the ports, except VLANs `keep` says a port still needs (other VMs on
 * the host, the host persona's own networks on that NIC). Whatever else the ports carry now
 * stays, so a VLAN another run added meanwhile is never taken away.
 */
export function removeFromTrunks(
  ports: readonly PortSpec[],
  changes: readonly TrunkChange[],
  keep: (port: PortSpec) => ReadonlySet<number>,
): HostTrunkPlan {
  const drop = new Map(changes.map((c) => [key(c), c.vlans]));
  return plan(
    ports.filter((p) => drop.has(key(p)) && p.mode === 'trunk'),
    (p) => {
      const kept = keep(p);
      const remove = (drop.get(key(p)) ?? []).filter((v) => !kept.has(v));
      return (p.trunkVlans ?? []).filter((v) => !remove.includes(v));
    },
  );
}
