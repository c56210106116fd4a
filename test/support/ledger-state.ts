import type { LedgerState } from '../../inventory/ledger-records';

/** A ledger snapshot without timestamps and counters: what a compensated run must leave unchanged. */
export function ledgerFacts(s: LedgerState): Omit<LedgerState, 'version'> {
  return {
    site: s.site,
    placements: s.placements,
    leases: s.leases,
    bootAssignments: s.bootAssignments,
    machines: Object.fromEntries(Object.entries(s.machines).map(([id, { updatedAt: _u, ...rest }]) => [id, { ...rest, updatedAt: '' }])),
  };
}

/** A lab machine as GET /lab/state (Lab.describe) shows it. */
export interface LabMachineView {
  readonly power: string;
  readonly dark: boolean;
  readonly boot: { readonly healthy: boolean; readonly persona?: string } | null;
}

/**
 * Where the ledger and the lab disagree about bare metal, one line each (empty: they agree):
 * every persona the ledger places on a machine runs there, healthy, in the lab; every persona
 * a lab machine runs healthy is placed there by the ledger; and a machine's recorded power is
 * the lab's, unless the ledger says it does not know. `only` limits it to some machines.
 */
export function ledgerLabDisagreements(s: LedgerState, lab: Readonly<Record<string, LabMachineView>>, only?: ReadonlySet<string>): string[] {
  const out: string[] = [];
  const wanted = (m: string): boolean => only === undefined || only.has(m);
  for (const [persona, p] of Object.entries(s.placements)) {
    if (p.kind !== 'machine' || !wanted(p.machine)) continue;
    const m = lab[p.machine];
    if (m?.power !== 'on' || m.boot?.healthy !== true || m.boot.persona !== persona) {
      out.push(`ledger places ${persona} on ${p.machine}; the lab's ${p.machine} is ${m === undefined ? 'missing' : `${m.power}, running ${m.boot?.persona ?? 'nothing'}${m.boot?.healthy ? '' : ' (not healthy)'}`}`);
    }
  }
  for (const [id, m] of Object.entries(lab)) {
    if (!wanted(id)) continue;
    if (m.power === 'on' && m.boot?.healthy === true && m.boot.persona !== undefined) {
      const p = s.placements[m.boot.persona];
      if (p?.kind !== 'machine' || p.machine !== id) out.push(`the lab's ${id} runs ${m.boot.persona}; the ledger places it ${p === undefined ? 'nowhere' : JSON.stringify(p)}`);
    }
    const recorded = s.machines[id]?.power;
    if (recorded !== undefined && recorded !== 'unknown' && recorded !== m.power) out.push(`the ledger records ${id} ${recorded}; the lab's is ${m.power}`);
  }
  return out;
}
