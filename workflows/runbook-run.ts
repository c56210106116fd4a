import { ApplicationFailure, workflowInfo } from '@temporalio/workflow';
import type { z } from 'zod';
import { machineResource, personaResource } from '../inventory/ledger-records';
import { plan } from './activity-proxies/plan';
import { parseWorkflowInput } from './parse-input';
import { runSaga, type RunbookReport } from './runbook-report';
import { RunJournal } from './run-journal';
import { Saga } from './saga/saga';
import { HardwareSteps, NO_CAPACITY } from './steps/hardware-steps';

/** What the body of a moving runbook works with. */
export interface RunbookRun {
  readonly journal: RunJournal;
  readonly saga: Saga;
  /**
   * The run's hardware steps on `site`, leasing as this run. The last made is the run's: its leases
   * are released when the run completes (a failed run's lease undo releases them).
   */
  stepsAt(site: string): HardwareSteps;
}

/** The input fields that may name what a run moves (a persona, a cluster). */
type NameField<T> = { [K in keyof T]-?: T[K] extends string | undefined ? K : never }[keyof T];

/**
 * The frame of every moving runbook: validate the input, open its journal and saga, run the body
 * (on failure or cancellation every registered undo runs, see runSaga), release the leases once
 * it completed. `subject` is the input field naming what the run moves, for its report; the body
 * returns where that ended.
 */
export async function runRunbook<S extends z.ZodType>(
  runbook: string,
  schema: S,
  rawInput: unknown,
  subject: NameField<z.output<S>>,
  body: (input: z.output<S>, run: RunbookRun) => Promise<string>,
): Promise<RunbookReport> {
  const input = parseWorkflowInput(runbook, schema, rawInput);
  const journal = new RunJournal(runbook);
  const saga = new Saga(journal);
  const holder = workflowInfo().workflowId;
  let steps: HardwareSteps | undefined;
  const run: RunbookRun = {
    journal,
    saga,
    stepsAt: (site) => (steps = new HardwareSteps(saga, journal, holder, site)),
  };
  return runSaga(
    runbook,
    journal,
    saga,
    input[subject] as string | undefined,
    () => body(input, run),
    async () => {
      await steps?.releaseAll();
    },
  );
}

/** The failure of a run that found nothing to take the persona: its report says "no capacity". */
export const noCapacity = (message: string): ApplicationFailure =>
  ApplicationFailure.create({ type: NO_CAPACITY, nonRetryable: true, message });

type CandidateList = Awaited<ReturnType<typeof plan.findCandidates>>;

/**
 * The `choose-machine` step: the machines that may take the persona, best first (only `machine`
 * when one is given), with the list that says why the others may not.
 */
export async function chooseMachine(
  journal: RunJournal,
  persona: string,
  o: { readonly machine?: string; readonly allowEvict: boolean; readonly sites?: string[] },
): Promise<{ candidates: CandidateList['candidates']; list: CandidateList }> {
  const list = await journal.step(
    'choose-machine',
    o.machine ? `use ${o.machine}` : `choose a machine for ${persona}`,
    () =>
      plan.findCandidates.executeWithOptions({ summary: `candidates for ${persona}` }, [
        { persona, allowEvict: o.allowEvict, ...(o.sites && { sites: o.sites }) },
      ]),
    (l) => `${l.candidates.length} candidate(s)`,
  );
  const candidates = list.candidates.filter((c) => !o.machine || c.machine === o.machine);
  return { candidates, list };
}

/**
 * Leases the first candidate machine no other run holds, together with the persona, the occupant
 * it evicts and `more` resources; the machine must hold nothing but those two. Undefined when
 * other runs hold every candidate.
 */
export async function leaseFirstCandidate<
  C extends { readonly machine: string; readonly site: string; readonly evicts?: string },
>(
  run: RunbookRun,
  persona: string,
  candidates: readonly C[],
  purpose: (c: C) => string,
  more: (c: C) => string[] = () => [],
): Promise<{ chosen: C; steps: HardwareSteps } | undefined> {
  for (const c of candidates) {
    const steps = run.stepsAt(c.site);
    const personas = [persona, ...(c.evicts ? [c.evicts] : [])];
    const resources = [machineResource(c.machine), ...personas.map(personaResource), ...more(c)];
    if (await steps.tryLease(resources, purpose(c), [{ machine: c.machine, except: personas }]))
      return { chosen: c, steps };
  }
  return undefined;
}
