import {
  ApplicationFailure,
  condition,
  ParentClosePolicy,
  setHandler,
  sleep,
  startChild,
  type ChildWorkflowHandle,
} from '@temporalio/workflow';
import { parseWorkflowInput } from '../parse-input';
import type { FailoverPlan } from '../../domain/planner/failover-plan';
import { errorOf } from '../runbook-report';
import { RunJournal } from '../run-journal';
import { notRestoredOf, secondsSince, type PersonaOutcome } from '../site-failover/failover-report';
import { evictionsDone, type MoveEnd } from '../site-failover/evictions-done';
import { PlanRun } from '../site-failover/plan-run';
import type { GroupRun, PlannedRestoration } from '../site-failover/run-groups';
import { drDrillInputSchema } from './dr-drill-input';
import { drillCopy, type DrillCopyReport } from './drill-copy-workflow';
import { drillCleanupSignal, drillCopyUpSignal, type DrillCopyUp } from './drill-messages';
import { snapshotsOf, type DrillReport } from './drill-report';
import { withinPayloadBudget } from '../site-failover/report-budget';

/**
 * How each copy ended, by the machine it took: a copy that came up held its machine until the
 * clean-up.
 */
const copyEnds = (copies: readonly DrillCopyReport[]): Map<string, MoveEnd> =>
  new Map(
    copies.map((c) => [
      c.machine,
      { ok: c.healthy, steps: c.steps, ...(c.error && { error: c.error }) },
    ]),
  );

/**
 * `dr-drill`: the failover plan for a scope, rehearsed without touching production. The scope's
 * machines are only pretended lost (never probed, never powered); the plan takes spare machines
 * only (repurposable ones when `allowRepurpose`; their occupants come back at clean-up) and
 * whole machines only (no new hypervisor hosts). Each restored persona becomes a `drillCopy`
 * child: bubble VLANs, snapshot clones, boot, health at the drill's health host. Groups run in
 * priority order like a failover, and a copy stays up until every group is up (and the hold
 * time is over), so the RTO is measured as a failover would see it. Then every copy cleans up:
 * on success, on failure, and on cancellation (each child undoes itself). The report is the
 * failover report of the rehearsal, plus the clean-up.
 */
export async function drDrill(rawInput: unknown): Promise<DrillReport> {
  const input = parseWorkflowInput('dr-drill', drDrillInputSchema, rawInput);
  const journal = new RunJournal('dr-drill');
  const skeleton = new PlanRun(journal, input);
  const { id, startMs, startedAt } = skeleton;
  const copiesUp = new Map<string, DrillCopyUp>();
  setHandler(drillCopyUpSignal, (up) => {
    copiesUp.set(up.persona, up);
  });

  const state: {
    failedMachines: string[];
    plan?: FailoverPlan;
    run: GroupRun;
    copies: DrillCopyReport[];
  } = { failedMachines: [], run: { personas: [], hosts: [], groups: [] }, copies: [] };
  const report = (outcome: DrillReport['outcome']): DrillReport => {
    const leftToFix = state.copies.flatMap((c) =>
      c.leftToFix.map((l) => `${c.persona} on ${c.machine}: ${l}`),
    );
    const rtos = state.run.personas
      .filter((p) => p.outcome === 'restored' && p.rtoSeconds !== undefined)
      .map((p) => p.rtoSeconds!);
    return {
      runbook: 'dr-drill',
      mode: 'drill',
      outcome,
      startedAt,
      endedAt: new Date().toISOString(),
      failedMachines: state.failedMachines,
      ...(state.plan && { plan: state.plan }),
      hosts: [],
      personas: state.run.personas,
      groups: state.run.groups,
      notRestored: notRestoredOf(state.run.personas),
      // Once the copies have ended: the occupants each copy really shut down for the drill's
      // length.
      ...(state.plan &&
        state.copies.length > 0 && {
          evictions: evictionsDone(state.plan.evictions, copyEnds(state.copies)),
        }),
      concurrency: skeleton.usage(),
      bubble: input.bubble,
      cleanup: { outcome: leftToFix.length > 0 ? 'left-to-fix' : 'clean', leftToFix },
      ...(rtos.length > 0 && { rtoSeconds: Math.max(...rtos) }),
      ...(snapshotsOf(copiesUp).length > 0 && { snapshots: snapshotsOf(copiesUp) }),
    };
  };
  const publish = (): void =>
    journal.attachReport(withinPayloadBudget({ ...report('partial'), outcome: 'running' }));

  const prep = await skeleton.detect(
    'scope',
    {
      summary:
        'read the scope and the ledgers (the scope is only pretended lost: nothing is probed or touched there)',
      call: 'read the scope',
      describe: (p) => `${p.scope.length} machine(s)`,
    },
    { probe: false, health: false },
  );
  state.failedMachines = [...prep.scope];
  if (state.failedMachines.length === 0) {
    journal.finish('completed');
    return report('nothing-failed');
  }
  const plan = await skeleton.plan(
    {
      summary: `plan the rehearsal for ${state.failedMachines.length} machine(s), ${input.allowRepurpose ? 'spare and repurposable' : 'spare'} machines only`,
      describe: (p) =>
        `${p.restorations.filter((r) => r.outcome === 'restored').length} of ${p.restorations.length} rehearsed`,
    },
    prep,
    state.failedMachines,
    { sparesOnly: !input.allowRepurpose, allowRepurpose: input.allowRepurpose, newHosts: false },
  );
  state.plan = plan;
  publish();

  const evicted = new Map(plan.evictions.map((e) => [e.machine, e.occupant]));
  const handles = new Map<string, ChildWorkflowHandle<typeof drillCopy>>();
  const ended = new Map<string, DrillCopyReport | { error: { type: string; message: string } }>();

  const restore = async (r: PlannedRestoration): Promise<PersonaOutcome> => {
    if (r.target.kind !== 'machine')
      throw ApplicationFailure.create({
        type: 'ValidationError',
        nonRetryable: true,
        message: `the drill plan puts ${r.persona} in a VM, but drills rehearse whole machines only`,
      });
    const machine = r.target.machine;
    const childId = `${id}/${r.persona}`;
    return skeleton.gated({ machine, persona: r.persona }, async () => {
      const started = new Date().toISOString();
      const handle = await startChild(drillCopy, {
        workflowId: childId,
        args: [
          {
            persona: r.persona,
            machine,
            site: skeleton.siteOf(machine),
            bubble: input.bubble,
            ...(input.healthHost && { healthHost: input.healthHost }),
            ...(evicted.has(machine) && { evicts: evicted.get(machine) }),
            healthTimeoutSeconds: input.healthTimeoutSeconds,
            powerTimeoutSeconds: input.powerTimeoutSeconds,
          },
        ],
        parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
        typedSearchAttributes: skeleton.childAttributes('drill-copy', machine, r.persona),
      });
      handles.set(r.persona, handle);
      handle.result().then(
        (rep) => ended.set(r.persona, rep),
        (e: unknown) => ended.set(r.persona, { error: errorOf(e) }),
      );
      await condition(() => copiesUp.has(r.persona) || ended.has(r.persona));
      const up = copiesUp.get(r.persona);
      const base = {
        persona: r.persona,
        priority: r.priority,
        run: childId,
        startedAt: started,
        endedAt: up?.at ?? new Date().toISOString(),
        steps: up?.steps ?? [],
      };
      if (up?.healthy)
        return {
          ...base,
          outcome: 'restored',
          endedOn: machine,
          rtoSeconds: secondsSince(startMs, up.at),
          // What a real failover would have lost: the worst RPO of the replicas it ran on.
          ...(up.snapshots !== undefined && {
            rpoSeconds: Math.max(...up.snapshots.map((x) => x.rpoSeconds)),
          }),
        };
      const end = ended.get(r.persona);
      const error =
        up?.error ??
        (end && 'error' in end && end.error
          ? end.error
          : { type: 'Error', message: 'the drill copy ended before it came up' });
      return { ...base, outcome: 'failed', error };
    });
  };

  let failure: unknown;
  try {
    state.run = await skeleton.runGroups(
      'rehearse',
      {
        summary: `bring up drill copies for ${plan.groups.length} priority group(s) in order`,
        describe: (r) =>
          `${r.personas.filter((p) => p.outcome === 'restored').length} up, ${r.personas.filter((p) => p.outcome === 'failed').length} failed`,
      },
      plan,
      {
        restore,
        bringUpHost: () => Promise.reject(new Error('drills bring up no hypervisor hosts')),
      },
      (r) => {
        state.run = r;
        publish();
      },
    );
    if (input.holdSeconds > 0)
      await journal.step('hold', `keep the drill copies up ${input.holdSeconds}s`, () =>
        sleep(`${input.holdSeconds}s`),
      );
  } catch (e) {
    failure = e;
  }
  // Clean up whatever happened: every copy undoes itself once told (a cancelled drill's children
  // are cancelled, and undo themselves too).
  await journal.step(
    'clean-up',
    `clean up ${handles.size} drill cop${handles.size === 1 ? 'y' : 'ies'}`,
    async () => {
      for (const h of handles.values()) await h.signal(drillCleanupSignal).catch(() => undefined);
      await condition(() => [...handles.keys()].every((p) => ended.has(p)));
      state.copies = [...ended.values()].filter((e): e is DrillCopyReport => 'cleanup' in e);
    },
  );
  if (failure !== undefined) throw failure;
  const failed = state.run.personas.some((p) => p.outcome === 'failed');
  return skeleton.finish(report(failed ? 'partial' : 'completed'));
}
