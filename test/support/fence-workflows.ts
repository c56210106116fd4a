import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import { RunJournal } from '../../workflows/run-journal';
import {
  fenceDeadMachine,
  type FenceOutcome,
  type FencedLuns,
} from '../../workflows/steps/fence-source';

/** The stand-in for what a runbook does once the fence holds (start the persona elsewhere). */
export interface RestoreStandIn {
  restore(input: { persona: string }): Promise<void>;
}

const { restore } = proxyActivities<RestoreStandIn>({ startToCloseTimeout: '10s' });

/**
 * TEST harness: the one fence of a dead machine as every runbook calls it, followed by the
 * restore it guards; returns the fence's outcome and the run's steps.
 */
export async function fenceThenRestore(input: {
  machine: string;
  site: string;
  full: boolean;
  luns: FencedLuns;
}): Promise<{ fence: FenceOutcome; steps: Array<{ name: string; detail?: string }> }> {
  const journal = new RunJournal('fence-test');
  const fence = await fenceDeadMachine(journal, {
    machine: input.machine,
    site: input.site,
    holder: workflowInfo().workflowId,
    full: input.full,
    luns: () => input.luns,
  });
  await restore({ persona: 'web-01' });
  return {
    fence,
    steps: journal.steps.map((s) => ({ name: s.name, ...(s.detail && { detail: s.detail }) })),
  };
}
