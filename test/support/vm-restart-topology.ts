import { join } from 'node:path';
import { editedTopology } from './edited-topology';
import { ROOT } from './lab-fixtures';

/**
 * examples/rack-fire.yaml with two more machines able to run libvirt (m-r2-02, m-r2-03, like
 * m-r2-01), so that a dead host's VMs have another host of dr-cluster with room. Written to a
 * temp file (its path).
 */
export function vmRestartTopology(): string {
  return editedTopology(join(ROOT, 'examples', 'rack-fire.yaml'), 'vm-restart', (raw) => {
    const machines = raw.sites[0]!.machines!;
    const model = machines.find((m) => m.id === 'm-r2-01')!.hypervisor!;
    for (const [id, port] of [
      ['m-r2-02', 12352],
      ['m-r2-03', 12353],
    ] as const)
      machines.find((m) => m.id === id)!.hypervisor = { ...model, port };
  });
}
