/**
 * The workflow types whose runs may hold the site ledger's leases: every workflow the worker
 * registers (workflows/index.ts) but the ledger itself. A plain list so the ledger's holder check
 * (activities) needs no workflow code; a unit test keeps it equal to the registered set.
 */
export const RUNBOOK_TYPES: readonly string[] = Object.freeze([
  'drDrill',
  'drillCopy',
  'failback',
  'hypervisorBringup',
  'p2v',
  'power',
  'release',
  'repurpose',
  'siteFailover',
  'siteGuard',
  'v2p',
  'vmRestart',
]);

/** Why a holder may not hold leases, or undefined when it is a running rackshift run. */
export interface HolderCheck {
  readonly holder: string;
  /** Absent when the holder is a running runbook. */
  readonly refused?: string;
}
