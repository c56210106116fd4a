import type { LedgerState } from '../../inventory/ledger-records';

/**
 * A ledger snapshot without timestamps and counters: what a compensated run must leave unchanged.
 */
export function ledgerFacts(s: LedgerState): Omit<LedgerState, 'version'> {
  return {
    site: s.site,
    placements: s.placements,
    leases: s.leases,
    bootAssignments: s.bootAssignments,
    machines: Object.fromEntries(
      Object.entries(s.machines).map(([id, { updatedAt: _u, ...rest }]) => [
        id,
        { ...rest, updatedAt: '' },
      ]),
    ),
  };
}
