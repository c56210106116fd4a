import { hostNow } from '../../inventory/hypervisor-cluster';
import { machineResource, type LedgerState } from '../../inventory/ledger-records';
import type { TopologyIndex } from '../../inventory/topology-index';
import type { Persona, Site } from '../../inventory/topology-schema';
import { restingOccupants } from '../planner/resting-placement';

export interface Candidate {
  readonly machine: string;
  readonly site: string;
  /** The persona that runs there now and would be evicted. */
  readonly evicts?: string;
  readonly why: string;
}

export interface CandidateList {
  readonly candidates: readonly Candidate[];
  /** Machines that could never take the persona, and why (for "no capacity" reports). */
  readonly rejected: ReadonlyArray<{ readonly machine: string; readonly reason: string }>;
}

/**
 * Where a persona may go, best first: the machine it already runs on; free spares, smallest
 * fit first; free repurposable machines; then (only with allowEvict) repurposable machines
 * whose occupant is strictly less important, least important occupant first. Dedicated
 * machines (but the persona's own home machine, ranked with the repurposable ones), hypervisor
 * hosts, dark machines and machines too small or of another arch never appear. Machines leased by
 * another run come last: their lease may belong to a run that has
 * ended, which the ledger reclaims.
 */
export function candidateMachines(
  topology: TopologyIndex,
  ledgers: ReadonlyMap<string, LedgerState>,
  persona: Persona,
  options: { allowEvict: boolean; sites?: readonly string[] },
): CandidateList {
  const homeSite =
    persona.home === undefined
      ? undefined
      : topology.machineSite('machine' in persona.home ? persona.home.machine : persona.home.host)
          .name;
  const homeMachine =
    persona.home !== undefined && 'machine' in persona.home ? persona.home.machine : undefined;
  const sites: Site[] = topology.topology.sites.filter((s) =>
    (options.sites ?? (homeSite ? [homeSite] : undefined) ?? [s.name]).includes(s.name),
  );
  const rejected: Array<{ machine: string; reason: string }> = [];
  const ranked: Array<{ c: Candidate; rank: readonly (number | string)[] }> = [];

  // Who runs where: the ledger's placements, else where the topology rests a persona no ledger
  // has placed (the planner's rule). Otherwise a machine the planner counts as occupied looks
  // free here, and its occupant would be power-cycled without a clean shutdown or a ledger record.
  const topologyOccupant = restingOccupants(
    topology.topology,
    new Set([...ledgers.values()].flatMap((l) => Object.keys(l.placements))),
  );
  for (const site of sites) {
    const ledger = ledgers.get(site.name);
    const occupantOf = new Map<string, string>();
    for (const [p, placement] of Object.entries(ledger?.placements ?? {}))
      if (placement.kind === 'machine') occupantOf.set(placement.machine, p);
    for (const m of site.machines) {
      const resting = topologyOccupant.get(m.id);
      // The persona being placed is not assumed to run anywhere the ledger does not say.
      if (!occupantOf.has(m.id) && resting !== undefined && resting !== persona.name)
        occupantOf.set(m.id, resting);
    }
    for (const m of site.machines) {
      const reject = (reason: string): void => void rejected.push({ machine: m.id, reason });
      const record = ledger?.machines[m.id];
      if (m.pool === 'dedicated' && occupantOf.get(m.id) !== persona.name && m.id !== homeMachine) {
        reject('dedicated');
        continue;
      }
      if (m.arch !== persona.requirements.arch) {
        reject(`arch ${m.arch}, needs ${persona.requirements.arch}`);
        continue;
      }
      if (m.cores < persona.requirements.cores || m.memoryGiB < persona.requirements.memoryGiB) {
        reject(`too small (${m.cores} cores/${m.memoryGiB} GiB)`);
        continue;
      }
      if (record?.power === 'unknown' && record.healthy === false) {
        reject('BMC does not answer');
        continue;
      }
      const host = hostNow(topology.topology, m.id, record);
      if (host.host) {
        reject(
          host.cluster === undefined
            ? 'hypervisor host'
            : `hypervisor host of cluster ${host.cluster.name}`,
        );
        continue;
      }
      const leasedByOther = ledger?.leases[machineResource(m.id)] !== undefined ? 1 : 0;
      const occupant = occupantOf.get(m.id);
      const fit = [
        m.cores - persona.requirements.cores,
        m.memoryGiB - persona.requirements.memoryGiB,
        m.id,
      ];
      if (occupant === persona.name) {
        ranked.push({
          c: { machine: m.id, site: site.name, why: 'already runs it' },
          rank: [0, 0, 0, ...fit],
        });
      } else if (occupant === undefined) {
        ranked.push({
          c: { machine: m.id, site: site.name, why: `free ${m.pool}` },
          rank: [leasedByOther, m.pool === 'spare' ? 1 : 2, 0, ...fit],
        });
      } else {
        const occupantPriority = topology.persona(occupant).priority;
        if (m.pool !== 'repurposable') {
          reject(`runs ${occupant}`);
          continue;
        }
        if (!options.allowEvict) {
          reject(`runs ${occupant} (eviction not allowed)`);
          continue;
        }
        if (occupantPriority <= persona.priority) {
          reject(
            `runs ${occupant}, priority ${occupantPriority}, not less important than ${persona.name}'s ${persona.priority}`,
          );
          continue;
        }
        ranked.push({
          c: {
            machine: m.id,
            site: site.name,
            evicts: occupant,
            why: `evict ${occupant} (priority ${occupantPriority})`,
          },
          rank: [leasedByOther, 3, -occupantPriority, ...fit],
        });
      }
    }
  }
  const cmp = (a: readonly (number | string)[], b: readonly (number | string)[]): number => {
    for (let i = 0; i < a.length; i += 1) {
      const x = a[i]!;
      const y = b[i]!;
      if (x !== y) return x < y ? -1 : 1;
    }
    return 0;
  };
  ranked.sort((a, b) => cmp(a.rank, b.rank));
  return { candidates: ranked.map((r) => r.c), rejected };
}
