/**
 * Bundle entry of the roll test's old workers: every real workflow, with `power` as it shipped in
 * v1 (power-roll-v1). The type keeps its real name, as a changed runbook does in a real roll, so
 * the ledger takes its runs as holders (a wrapper type would be no runbook, and refused).
 */
export * from '../../../workflows/index';
export { powerRoll as power } from './power-roll-v1';
