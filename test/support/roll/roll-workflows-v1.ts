/**
 * Bundle entry of the roll test's old workers: every real workflow, with `power` as it shipped in
 * v1 (power-roll-v1). The type keeps its real name, as a changed runbook does in a real roll (and
 * a holder check in the ledger, were one to land, would take its runs).
 */
export * from '../../../workflows/index';
export { powerRoll as power } from './power-roll-v1';
