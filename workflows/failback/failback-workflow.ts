import { parseWorkflowInput } from '../parse-input';
import { RunJournal } from '../run-journal';
import { failbackInputSchema } from './failback-input';
import { FailbackRun } from './failback-run';
import type { FailbackReport } from './failback-report';

/**
 * `failback`: bring personas back to their home placement once the home site is repaired —
 * those a site-failover run restored (`run`), or the ones named (`personas`). Each is a planned
 * move run as a child workflow `<failback id>/<persona>`: repurpose onto its home machine when it
 * runs on another machine (or nowhere), v2p when it runs as a VM, p2v (san) when its home is a
 * VM; a persona already at home is left alone. A persona restored at another site from replicas
 * is stopped there and its replication reversed and switched over first (reprotect-home). Up to
 * `parallel` moves at once; a failed move is undone by its own saga and does not stop the others.
 * Then hypervisor hosts the failover brought up (or the moves emptied) that run no VM and are
 * nobody's home are released (`<failback id>/release/<host>`). The report — per persona, per
 * host, and the machines the personas left, off and idle — is in the `progress` query while the
 * run goes.
 */
export async function failback(rawInput: unknown): Promise<FailbackReport> {
  const input = parseWorkflowInput('failback', failbackInputSchema, rawInput);
  return new FailbackRun(input, new RunJournal('failback')).execute();
}
