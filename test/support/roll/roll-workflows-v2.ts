/** Bundle entry of the roll test's new workers: every real workflow, `power` as in v2. */
export * from '../../../workflows/index';
export { powerRoll as power } from './power-roll-v2';
