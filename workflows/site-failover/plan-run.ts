import { workflowInfo } from '@temporalio/workflow';
import type { SearchAttributePair } from '@temporalio/common';
import type { FailoverPreparation } from '../../activities/failover-activities';
import type { ScopeSelector } from '../../inventory/failover-scope-machines';
import type { Topology } from '../../inventory/topology-schema';
import { PERSONA_KEY, RUNBOOK_KEY, SITE_KEY } from '../../temporal/search-attributes';
import { failover } from '../activity-proxies/failover';
import type { FailoverPlan } from '../../domain/planner/failover-plan';
import type { PlannerInputRaw } from '../../domain/planner/planner-input';
import type { RunJournal } from '../run-journal';
import { ConcurrencyGate } from './concurrency-gate';
import type { FailoverLimits } from '../../domain/failover/failover-scope';
import { moveKeys, type Move } from './move-footprint';
import { planOrFail } from './plan-or-fail';
import { runGroups, type GroupRun, type PlanExecutor } from './run-groups';
import { withinPayloadBudget, type WithPersonaSteps } from './report-budget';

type Step<T> = { readonly summary: string; readonly describe: (result: T) => string };

/** What a failover or a drill asks of the planner, besides what detect read. */
type PlanAsk = Omit<NonNullable<PlannerInputRaw['options']>, 'holder' | 'targetSites' | 'cluster'>;

/**
 * The skeleton a site failover and a DR drill share, step by step: read the scope (`detect`),
 * plan its restoration (`plan`), run the plan's priority groups in order (`runGroups`), each
 * move bounded per BMC, switch, array and site (`gated`), then `finish` with the report. The
 * runbook says what detect probes, what the planner may take and what one move is.
 */
export class PlanRun {
  readonly id = workflowInfo().workflowId;
  readonly startMs = Date.now();
  readonly startedAt = new Date(this.startMs).toISOString();
  private readonly gate = new ConcurrencyGate();
  private scope?: { topology: Topology; siteOf: Map<string, string> };

  constructor(
    readonly journal: RunJournal,
    private readonly input: {
      readonly site?: string;
      readonly racks?: string[];
      readonly machines?: string[];
      readonly targetSites?: string[];
      readonly cluster?: string;
      readonly limits: FailoverLimits;
    },
  ) {}

  /** Reads the scope's machines, the topology and the ledgers; probes the BMCs when asked. */
  async detect(
    name: string,
    step: Step<FailoverPreparation> & { readonly call: string },
    how: { readonly probe: boolean; readonly health: boolean },
  ): Promise<FailoverPreparation> {
    const { site, racks, machines } = this.input;
    const scope: ScopeSelector = { site, racks, machines };
    const prep = await this.journal.step(
      name,
      step.summary,
      () =>
        failover.prepareFailover.executeWithOptions({ summary: step.call }, [{ scope, ...how }]),
      step.describe,
    );
    const topology = prep.topology;
    this.scope = {
      topology,
      siteOf: new Map(
        topology.sites.flatMap((s) => s.machines.map((m) => [m.id, s.name] as const)),
      ),
    };
    return prep;
  }

  /**
   * The planner on what detect read: in workflow code by default (deterministic: a replay
   * recomputes the same plan), or the given `planner` (a local activity, recorded in history);
   * `topology` is detect's unless the runbook adapts it.
   */
  plan(
    step: Step<FailoverPlan>,
    prep: FailoverPreparation,
    failedMachines: string[],
    ask: PlanAsk,
    topology: Topology = prep.topology,
    planner: (input: PlannerInputRaw) => Promise<FailoverPlan> | FailoverPlan = planOrFail,
  ): Promise<FailoverPlan> {
    const { targetSites, cluster } = this.input;
    return this.journal.step(
      'plan',
      step.summary,
      async () =>
        planner({
          topology,
          ledger: prep.ledger,
          failedMachines,
          options: {
            ...ask,
            holder: this.id,
            ...(targetSites && { targetSites }),
            ...(cluster && { cluster }),
          },
        }),
      step.describe,
    );
  }

  /** The site of a machine of the topology detect read (the first site for one it lacks). */
  siteOf(machine: string): string {
    const { topology, siteOf } = this.known();
    return siteOf.get(machine) ?? topology.sites[0]!.name;
  }

  /** The search attributes of a child run that works on `machine`. */
  childAttributes(runbook: string, machine: string, persona?: string): SearchAttributePair[] {
    return [
      { key: RUNBOOK_KEY, value: runbook },
      { key: SITE_KEY, value: this.siteOf(machine) },
      ...(persona ? [{ key: PERSONA_KEY, value: [persona] }] : []),
    ];
  }

  /** Runs `work` once the devices `move` touches have room under the input's limits. */
  gated<T>(move: Move, work: () => Promise<T>): Promise<T> {
    return this.gate.run(moveKeys(this.known().topology, move, this.input.limits), work);
  }

  /** How busy each device key was at its busiest, for the report. */
  usage(): { key: string; limit: number; peak: number }[] {
    return this.gate.usage();
  }

  /** The plan's priority groups, in order; `changed` sees the run after every outcome. */
  runGroups(
    name: string,
    step: Step<GroupRun>,
    plan: FailoverPlan,
    exec: PlanExecutor,
    changed: (run: GroupRun) => void,
  ): Promise<GroupRun> {
    return this.journal.step(
      name,
      step.summary,
      () => runGroups(plan, exec, changed),
      step.describe,
    );
  }

  /**
   * Ends the run completed with `report`, which the `progress` query then shows; a report too big
   * for a Temporal payload drops its personas' steps (report-budget).
   */
  finish<R extends WithPersonaSteps>(full: R): R {
    const report = withinPayloadBudget(full);
    this.journal.finish('completed');
    this.journal.attachReport(report);
    return report;
  }

  private known(): { topology: Topology; siteOf: Map<string, string> } {
    if (this.scope === undefined) throw new Error('the scope is read by detect first');
    return this.scope;
  }
}
