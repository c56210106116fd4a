/** Bundle entry of the roll test's new workers: every real workflow, and powerRoll v2. */
export * from '../../../workflows/index';
export { powerRoll } from './power-roll-v2';
