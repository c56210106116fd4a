import { hostNow } from '../../inventory/hypervisor-cluster';
import type { LedgerState } from '../../inventory/ledger-records';
import {
  DEFAULT_HOST_OVERHEAD,
  type Persona,
  type Site,
  type Topology,
} from '../../inventory/topology-schema';

/** What runs on a host now: each VM's size, or why the host could not be asked. */
export type HostLoad =
  | {
      readonly vms: ReadonlyArray<{
        readonly name: string;
        readonly cores: number;
        readonly memoryGiB: number;
      }>;
    }
  | { readonly error: string };

export interface HostCandidate {
  readonly host: string;
  readonly site: string;
  /** Left after the persona's VM is placed there. */
  readonly freeCores: number;
  readonly freeMemoryGiB: number;
  readonly vms: readonly string[];
}

export interface HostChoice {
  /**
   * Hosts that can take the persona's VM, most room left first (VMs spread over the hosts), then by
   * id.
   */
  readonly candidates: readonly HostCandidate[];
  readonly rejected: ReadonlyArray<{ readonly host: string; readonly reason: string }>;
}

/**
 * Which hypervisor hosts of `site` can run `persona` as a VM: machines that are hosts now
 * (inventory/hypervisor-cluster hostNow: the ledger's role, else a cluster's resting host),
 * with a `hypervisor` block, not recorded off, of the persona's arch, whose VMs' requirements
 * plus their cluster's hostOverhead plus the persona's fit the host's cores and memory. Pure:
 * the activity gathers the ledger and each host's load. `only` restricts to one given host.
 */
export function hypervisorHostChoice(
  topology: Topology,
  site: Site,
  ledger: LedgerState,
  persona: Persona,
  loads: ReadonlyMap<string, HostLoad>,
  only?: string,
): HostChoice {
  const rejected: Array<{ host: string; reason: string }> = [];
  const candidates: HostCandidate[] = [];
  for (const m of site.machines) {
    if (only !== undefined && m.id !== only) continue;
    const reject = (reason: string): void => void rejected.push({ host: m.id, reason });
    const record = ledger.machines[m.id];
    if (m.hypervisor === undefined) {
      reject('no hypervisor endpoint in the topology');
      continue;
    }
    const now = hostNow(topology, m.id, record);
    if (!now.host) {
      reject(
        `not a hypervisor host (the ledger records role ${record?.role ?? 'none'}); bring it up with hypervisor-bringup`,
      );
      continue;
    }
    if (record?.power === 'off') {
      reject('powered off');
      continue;
    }
    const overhead = now.cluster?.hostOverhead ?? DEFAULT_HOST_OVERHEAD;
    if (m.arch !== persona.requirements.arch) {
      reject(`arch ${m.arch}, needs ${persona.requirements.arch}`);
      continue;
    }
    const load = loads.get(m.id);
    if (load === undefined || 'error' in load) {
      reject(`its hypervisor does not answer: ${load?.error ?? 'not asked'}`);
      continue;
    }
    const others = load.vms.filter((vm) => vm.name !== persona.name);
    const freeCores =
      m.cores -
      overhead.cores -
      others.reduce((n, vm) => n + vm.cores, 0) -
      persona.requirements.cores;
    const freeMemoryGiB =
      m.memoryGiB -
      overhead.memoryGiB -
      others.reduce((n, vm) => n + vm.memoryGiB, 0) -
      persona.requirements.memoryGiB;
    if (freeCores < 0 || freeMemoryGiB < 0) {
      reject(
        `full: ${others.length} VM(s) and the host's ${overhead.cores} cores/${overhead.memoryGiB} GiB leave too little for ${persona.requirements.cores} cores/${persona.requirements.memoryGiB} GiB`,
      );
      continue;
    }
    candidates.push({
      host: m.id,
      site: site.name,
      freeCores,
      freeMemoryGiB,
      vms: others.map((vm) => vm.name).sort(),
    });
  }
  candidates.sort(
    (a, b) =>
      b.freeMemoryGiB - a.freeMemoryGiB ||
      b.freeCores - a.freeCores ||
      (a.host < b.host ? -1 : a.host > b.host ? 1 : 0),
  );
  return { candidates, rejected };
}
