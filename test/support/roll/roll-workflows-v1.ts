/** Bundle entry of the roll test's old workers: every real workflow, and powerRoll v1. */
export * from '../../../workflows/index';
export { powerRoll } from './power-roll-v1';
