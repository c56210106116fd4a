import type { Machine } from '../../inventory/topology-schema';
import type { LabPortState } from '../../lab/lab-views';
import type { FullStack } from './full-stack';

/** What suites on a full stack read of its first site and its lab, by machine and LUN id. */
export interface StackReads {
  machine(id: string): Machine;
  /** The lab switch's state of machine `m`'s NIC number `nic`. */
  port(m: string, nic: number): LabPortState | undefined;
  /** The VLANs trunked on that port, sorted. */
  trunk(m: string, nic: number): number[];
  /** The initiators a LUN is masked to on `array` (none when the LUN does not exist). */
  holders(lun: string, array?: string): string[];
}

export function stackReads(stack: () => FullStack): StackReads {
  const machine = (id: string): Machine => {
    const m = stack().topology.sites[0]!.machines.find((x) => x.id === id);
    if (m === undefined) throw new Error(`the stack's first site has no machine "${id}"`);
    return m;
  };
  const port = (m: string, nic: number): LabPortState | undefined => {
    const n = machine(m).nics[nic]!;
    return stack().lab.switchView!.portState(n.switch, n.port);
  };
  return {
    machine,
    port,
    trunk: (m, nic) => [...(port(m, nic)?.trunkVlans ?? [])].sort((a, b) => a - b),
    holders: (lun, array = 'array-1') =>
      (
        stack().lab.describe() as {
          arrays: Record<string, { luns: Record<string, { initiators: string[] }> }>;
        }
      ).arrays[array]?.luns[lun]?.initiators ?? [],
  };
}
