/** Every workflow the worker registers; the bundle's entry point. */
export { power } from './power/power-workflow';
export { siteLedger } from './ledger/ledger-workflow';
export { repurpose } from './repurpose/repurpose-workflow';
export { hypervisorBringup } from './hypervisor-bringup/hypervisor-bringup-workflow';
export { release } from './release/release-workflow';
export { p2v } from './p2v/p2v-workflow';
export { v2p } from './v2p/v2p-workflow';
export { vmRestart } from './vm-restart/vm-restart-workflow';
export { siteFailover } from './site-failover/site-failover-workflow';
export { failback } from './failback/failback-workflow';
export { drDrill } from './dr-drill/dr-drill-workflow';
export { drillCopy } from './dr-drill/drill-copy-workflow';
export { siteGuard } from './site-guard/site-guard-workflow';
