/** Every workflow the worker registers; the bundle's entry point. */
export { power } from './power/power-workflow';
export { siteLedger } from './ledger/ledger-workflow';
export { repurpose } from './repurpose/repurpose-workflow';
