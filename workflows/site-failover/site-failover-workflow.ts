import { ApplicationFailure, condition, patched, setHandler } from '@temporalio/workflow';
import { ledger } from '../activity-proxies/ledger';
import { planner } from '../activity-proxies/planner';
import { parseWorkflowInput } from '../parse-input';
import { CLUSTER_HOSTS } from '../hypervisor-bringup/host-check';
import type { FailoverPlan, NewHost } from '../../domain/planner/failover-plan';
import { withLegacyClusters } from '../../domain/planner/legacy-clusters';
import { RunJournal } from '../run-journal';
import { healthyAt, runChild, type ChildEnd } from './child-runs';
import { detectRecords, type DetectRecord } from '../../domain/failover/detect-records';
import { evictionsDone, type EvictionOutcome, type MoveEnd } from './evictions-done';
import { failedMachinesOf, unreachableSources } from '../../domain/failover/failed-machines';
import type { ReplicaPromotion } from '../../activities/replication-activities';
import type { Topology } from '../../inventory/topology-schema';
import { approvalInputSchema, approvalUpdate, type ApprovalInput } from './failover-messages';
import {
  notRestoredOf,
  secondsSince,
  type FailoverReport,
  type HostOutcome,
  type PersonaOutcome,
} from './failover-report';
import { HostFences, type DeadHostOutcome } from './host-fences';
import { PlanRun } from './plan-run';
import { PROMOTE_REPLICAS_PATCH, promoteReplicas, rpoByPersona } from './promote-replicas';
import { PLANNED_REPLICAS_PATCH, replicasReady } from './replicas-ready';
import type { GroupRun, PlannedRestoration } from './run-groups';
import { siteFailoverInputSchema } from './site-failover-input';
import { withinPayloadBudget } from './report-budget';

/**
 * Runs started before the failover recorded detect's findings in the ledger replay without that
 * step.
 */
export const RECORD_DETECT_PATCH = 'site-failover-records-detect';

/**
 * Runs started before detect's findings went to the ledger in one Update per site replay one
 * Update per machine (500 at once at 500 personas: the ledger takes 10 in flight, the rest timed
 * out and retried for minutes before any move started).
 */
export const RECORD_DETECT_BATCH_PATCH = 'site-failover-records-detect-in-one-update';

/**
 * Runs started before the planner moved into a local activity plan in workflow code on replay
 * (the plan of a thousand personas nears the SDK's 2 s activation deadline on a busy worker).
 */
export const PLAN_IN_ACTIVITY_PATCH = 'site-failover-plan-in-local-activity';

/**
 * Runs started before VM restarts reported a VM whose host failed as failed, with no command; now
 * its host is fenced once and the VM restarted (`vm-restart`, or `repurpose` onto a machine).
 */
export const VM_RESTART_PATCH = 'site-failover-restarts-vms-of-dead-hosts';

/**
 * One `setMachines` Update per site the records fall in (a scope can span sites), and per 1,000
 * machines (the Update takes at most 4,096; 1,000 keep each payload well under 100 KiB).
 */
async function recordInOneUpdatePerSite(
  records: readonly DetectRecord[],
  holder: string,
  siteOf: (machine: string) => string,
): Promise<unknown> {
  const bySite = new Map<string, DetectRecord[]>();
  for (const r of records) {
    const site = siteOf(r.machine);
    const list = bySite.get(site) ?? [];
    list.push(r);
    bySite.set(site, list);
  }
  const batches = [...bySite].flatMap(([site, rs]) =>
    Array.from(
      { length: Math.ceil(rs.length / 1000) },
      (_, i) => [site, rs.slice(i * 1000, (i + 1) * 1000)] as const,
    ),
  );
  return Promise.all(
    batches.map(([site, rs]) =>
      ledger.ledgerSetMachines.executeWithOptions(
        { summary: `record ${rs.length} machine(s) of ${site}` },
        [
          site,
          {
            holder,
            machines: rs.map((f) => ({ machine: f.machine, power: f.power, healthy: f.healthy })),
          },
        ],
      ),
    ),
  );
}

const RUNBOOK_OF: Record<string, string> = {
  p2v: 'p2v',
  repurpose: 'repurpose',
  vmRestart: 'vm-restart',
};

/**
 * `site-failover`: restore the personas of a site, racks or machines elsewhere.
 *
 * Detect (probe the scope's BMCs and personas in parallel, or take every machine of the scope),
 * plan (workflows/planner: deterministic, so a replay after a crash recomputes the same plan
 * from the same recorded inputs), wait for approval when asked (an `approval` Update, with a
 * deadline; the plan is in the `progress` query meanwhile), then run the plan's priority groups
 * in order as child runbooks: new hypervisor hosts (`hypervisor-bringup`), personas onto machines
 * (`repurpose`) or into VMs (`p2v`, san). Moves run in parallel inside a group, bounded per BMC,
 * switch, array and site. Disaster mode never waits for the dead scope: sources are fenced on the
 * arrays, not powered off. Planned mode refuses when a source BMC does not answer or a replica
 * of a move to another site cannot sync, and shuts each persona down cleanly before it starts
 * elsewhere (across sites: its replicas there switched over after a final sync, RPO 0). One
 * persona's failure never stops the others; the report gives each persona's outcome, steps and
 * RTO, each group's RTO, and what stayed down.
 */
export async function siteFailover(rawInput: unknown): Promise<FailoverReport> {
  const input = parseWorkflowInput('site-failover', siteFailoverInputSchema, rawInput);
  const journal = new RunJournal('site-failover');
  const skeleton = new PlanRun(journal, input);
  const { id, startMs, startedAt } = skeleton;
  const disaster = input.mode === 'disaster';

  let failedMachines: string[] = [];
  const planned: { plan?: FailoverPlan } = {};
  let approval: FailoverReport['approval'];
  let run: GroupRun = { personas: [], hosts: [], groups: [] };
  let awaitingApproval = false;
  let decision: (ApprovalInput & { at: string }) | undefined;

  /**
   * Known once the moves ran (evictions) and once detect's findings are in the ledger (detected).
   */
  const found: {
    evictions?: EvictionOutcome[];
    detected?: DetectRecord[];
    replicas?: ReplicaPromotion[];
    deadHosts?: DeadHostOutcome[];
  } = {};
  /** Planned mode: personas whose moves to another site switch their replicas over (RPO 0). */
  let switched: string[] | undefined;
  const report = (outcome: FailoverReport['outcome']): FailoverReport => ({
    runbook: 'site-failover',
    mode: input.mode,
    outcome,
    startedAt,
    endedAt: new Date().toISOString(),
    failedMachines,
    ...(planned.plan && { plan: planned.plan }),
    ...(approval && { approval }),
    hosts: run.hosts,
    personas: withRpo(run.personas, found.replicas, switched),
    groups: run.groups,
    notRestored: notRestoredOf(run.personas),
    ...found,
    concurrency: skeleton.usage(),
  });
  const publish = (): void =>
    journal.attachReport(
      withinPayloadBudget({
        ...report('partial'),
        outcome: awaitingApproval ? 'awaiting-approval' : 'running',
      }),
    );

  setHandler(
    approvalUpdate,
    (d) => {
      decision = { ...d, at: new Date().toISOString() };
      return { decision: d.decision === 'approve' ? 'approved' : 'rejected' };
    },
    {
      validator: (d) => {
        approvalInputSchema.parse(d);
        if (!awaitingApproval)
          throw new Error(
            planned.plan === undefined
              ? 'no plan yet: the failover is still detecting and planning'
              : 'no plan is waiting for approval',
          );
      },
    },
  );

  const prep = await skeleton.detect(
    'detect',
    {
      summary: input.probe
        ? 'probe the BMCs and personas of the scope in parallel'
        : 'take every machine of the scope as failed',
      call: 'probe the scope',
      describe: (p) =>
        `${p.scope.length} machine(s); ${p.probes.filter((x) => x.power === 'unknown').length} dark`,
    },
    { probe: input.probe, health: true },
  );
  if (!disaster && input.probe) {
    const dark = unreachableSources(prep.probes);
    if (dark.length > 0) {
      throw ApplicationFailure.create({
        type: 'SourceUnreachableError',
        nonRetryable: true,
        message: `planned failover refused: the BMCs of ${dark.join(', ')} do not answer, so their personas cannot be shut down cleanly; run it in disaster mode`,
      });
    }
  }
  failedMachines = failedMachinesOf(prep.probes, input.mode, input.probe);
  if (failedMachines.length === 0) {
    journal.finish('completed');
    return report('nothing-failed');
  }

  // Failovers started before clusters plan as they did then: a hypervisor persona named the
  // cluster.
  const legacy = !patched(CLUSTER_HOSTS);
  const chosen = await skeleton.plan(
    {
      summary: `plan the restoration of what ran on ${failedMachines.length} failed machine(s)`,
      describe: (p) =>
        `${p.restorations.filter((r) => r.outcome === 'restored').length} of ${p.restorations.length} restored; ${p.hypervisorHosts.length} new host(s); ${p.evictions.length} eviction(s)`,
    },
    prep,
    failedMachines,
    { allowRepurpose: input.allowRepurpose },
    legacy ? withLegacyClusters(prep.topology) : prep.topology,
    patched(PLAN_IN_ACTIVITY_PATCH) ? (i) => planner.planFailover(i) : undefined,
  );
  planned.plan = chosen;
  publish();

  if (input.approval === 'manual') {
    awaitingApproval = true;
    publish();
    const answered = await journal.step(
      'approval',
      `wait up to ${input.approvalTimeoutSeconds}s for an operator to approve or reject the plan`,
      () => condition(() => decision !== undefined, `${input.approvalTimeoutSeconds}s`),
      (a) =>
        a
          ? `${decision?.decision === 'approve' ? 'approved' : 'rejected'}${decision?.by ? ` by ${decision.by}` : ''}`
          : 'nobody answered',
    );
    awaitingApproval = false;
    if (!answered || decision === undefined) {
      approval = { decision: 'expired', at: new Date().toISOString() };
      journal.finish('completed');
      return report('expired');
    }
    approval = {
      decision: decision.decision === 'approve' ? 'approved' : 'rejected',
      ...(decision.by && { by: decision.by }),
      ...(decision.reason && { reason: decision.reason }),
      at: decision.at,
    };
    if (decision.decision === 'reject') {
      journal.finish('completed');
      return report('rejected');
    }
  } else {
    approval = { decision: 'auto', at: new Date().toISOString() };
  }

  if (disaster && patched(RECORD_DETECT_PATCH)) {
    // Once the plan is approved (a rejected or expired plan changes nothing), every machine of the
    // scope, moved or not: a burned machine whose persona stays down must not stay "on, healthy" in
    // the ledger.
    const records = detectRecords(prep.probes, input.probe);
    const oneUpdate = patched(RECORD_DETECT_BATCH_PATCH);
    await journal.step(
      'record-detect',
      `record what detect found on ${records.length} machine(s) in the ledger`,
      (): Promise<unknown> =>
        oneUpdate
          ? recordInOneUpdatePerSite(records, id, (m) => skeleton.siteOf(m))
          : Promise.all(
              records.map((f) =>
                ledger.ledgerSetMachine.executeWithOptions(
                  { summary: `record ${f.machine}: power ${f.power}, healthy ${f.healthy}` },
                  [
                    skeleton.siteOf(f.machine),
                    { holder: id, machine: f.machine, power: f.power, healthy: f.healthy },
                  ],
                ),
              ),
            ),
      () =>
        `${records.filter((f) => !f.healthy).length} unhealthy, ${records.filter((f) => f.power === 'unknown').length} power unknown`,
    );
    found.detected = records;
  }

  // Topologies recorded by runs from before replication have no `replication` at all.
  const replicated = (prep.topology.replication as Topology['replication'] | undefined) ?? [];
  if (disaster && replicated.length > 0 && patched(PROMOTE_REPLICAS_PATCH))
    found.replicas = await promoteReplicas(journal, chosen, (m) => skeleton.siteOf(m));
  // Planned: each move to another site switches its replicas over itself, after its final sync.
  if (!disaster && replicated.length > 0 && patched(PLANNED_REPLICAS_PATCH))
    switched = await replicasReady(journal, chosen, (m) => skeleton.siteOf(m));

  const evicting = new Set(chosen.evictions.map((e) => e.machine));
  const attrs = skeleton.childAttributes.bind(skeleton);

  // How each move on a machine ended (keyed by the machine it took): the evictions it really did
  // are read from its steps.
  const moveEnds = new Map<string, MoveEnd>();
  const ended = (machine: string, end: ChildEnd): void => {
    moveEnds.set(machine, {
      ok: end.ok,
      steps: end.report?.steps ?? [],
      ...(end.error && { error: end.error }),
    });
  };
  const bringUpHost = async (host: NewHost): Promise<HostOutcome> => {
    const end = await skeleton.gated({ machine: host.machine }, () =>
      runChild(
        'hypervisorBringup',
        `${id}/host-${host.machine}`,
        {
          machine: host.machine,
          ...(host.cluster && { cluster: host.cluster }),
          allowEvict: evicting.has(host.machine),
          powerTimeoutSeconds: input.powerTimeoutSeconds,
          readyTimeoutSeconds: input.healthTimeoutSeconds,
        },
        attrs('hypervisor-bringup', host.machine),
      ),
    );
    ended(host.machine, end);
    return {
      machine: host.machine,
      ...(host.cluster && { cluster: host.cluster }),
      outcome: end.ok ? 'up' : 'failed',
      run: end.run,
      startedAt: end.startedAt,
      endedAt: end.endedAt,
      ...(end.error && { error: end.error }),
    };
  };

  // A move to a machine of another site than the persona's last one names that site to repurpose.
  const siteIfMoved = (from: PlannedRestoration['from'], machine: string): { sites?: string[] } => {
    const was = from.kind === 'machine' ? skeleton.siteOf(from.machine) : undefined;
    const to = skeleton.siteOf(machine);
    return was !== undefined && was !== to ? { sites: [to] } : {};
  };
  const fences = new HostFences(
    journal,
    prep.topology,
    chosen,
    disaster && input.fence === 'full',
    id,
    (m) => skeleton.siteOf(m),
  );
  const restore = async (r: PlannedRestoration): Promise<PersonaOutcome> => {
    // Before VM restarts, a VM whose host failed was reported failed with no command.
    if (r.from.kind === 'vm' && !(disaster && patched(VM_RESTART_PATCH))) {
      return {
        persona: r.persona,
        priority: r.priority,
        outcome: 'failed',
        steps: [],
        error: {
          type: 'UnsupportedMoveError',
          message: disaster
            ? `${r.persona} ran as a VM on ${r.from.host}, which failed; restoring a VM whose host is gone is not supported yet (restore it by hand from its LUNs)`
            : `${r.persona} runs as a VM on ${r.from.host}; a planned failover does not move VMs (move it with v2p, or run a disaster failover once the host is gone)`,
        },
      };
    }
    if (r.from.kind === 'vm') {
      try {
        await fences.fence(r.from.host);
      } catch (e) {
        return {
          persona: r.persona,
          priority: r.priority,
          outcome: 'failed',
          steps: [],
          error: {
            type: 'FenceError',
            message: `${r.from.host} could not be fenced, so ${r.persona} was not started elsewhere: ${(e as Error).message}`,
          },
        };
      }
    }
    const from = r.from.kind === 'machine' ? r.from.machine : undefined;
    const move =
      r.target.kind === 'machine'
        ? {
            workflow: 'repurpose',
            footprint: { machine: r.target.machine, persona: r.persona },
            input: {
              persona: r.persona,
              machine: r.target.machine,
              ...siteIfMoved(r.from, r.target.machine),
              allowEvict: evicting.has(r.target.machine),
              sourceDown: disaster,
              // A VM's dead host was fenced fully by this failover already.
              ...(disaster && input.fence === 'full' && r.from.kind !== 'vm' && { fence: 'full' }),
              evictGraceSeconds: input.graceSeconds,
              ...(switched && { syncTimeoutSeconds: input.syncTimeoutSeconds }),
              healthTimeoutSeconds: input.healthTimeoutSeconds,
              powerTimeoutSeconds: input.powerTimeoutSeconds,
            },
            machine: r.target.machine,
          }
        : r.from.kind === 'vm'
          ? {
              workflow: 'vmRestart',
              footprint: { host: r.target.host, persona: r.persona },
              input: {
                persona: r.persona,
                host: r.target.host,
                from: r.from.host,
                healthTimeoutSeconds: input.healthTimeoutSeconds,
                powerTimeoutSeconds: input.powerTimeoutSeconds,
              },
              machine: r.target.host,
            }
          : {
              workflow: 'p2v',
              footprint: { host: r.target.host, persona: r.persona },
              input: {
                persona: r.persona,
                host: r.target.host,
                mode: 'san',
                sourceDown: disaster,
                ...(disaster && input.fence === 'full' && { fence: 'full' }),
                ...(from && { from }),
                graceSeconds: input.graceSeconds,
                healthTimeoutSeconds: input.healthTimeoutSeconds,
                powerTimeoutSeconds: input.powerTimeoutSeconds,
              },
              machine: r.target.host,
            };
    const end = await skeleton.gated(move.footprint, () =>
      runChild(
        move.workflow,
        `${id}/${r.persona}`,
        move.input,
        attrs(RUNBOOK_OF[move.workflow] ?? move.workflow, move.machine, r.persona),
      ),
    );
    if (r.target.kind === 'machine') ended(r.target.machine, end);
    const base = {
      persona: r.persona,
      priority: r.priority,
      run: end.run,
      startedAt: end.startedAt,
      endedAt: end.endedAt,
      steps: end.report?.steps ?? [],
    };
    if (!end.ok) return { ...base, outcome: 'failed', ...(end.error && { error: end.error }) };
    return {
      ...base,
      outcome: 'restored',
      endedOn: end.report?.endedOn ?? move.machine,
      rtoSeconds: secondsSince(startMs, healthyAt(end)),
    };
  };

  run = await skeleton.runGroups(
    'restore',
    {
      summary: `restore ${chosen.groups.length} priority group(s) in order`,
      describe: (r) =>
        `${r.personas.filter((p) => p.outcome === 'restored').length} restored, ${r.personas.filter((p) => p.outcome === 'failed' || p.outcome === 'skipped').length} failed`,
    },
    chosen,
    { bringUpHost, restore },
    (r) => {
      run = r;
      publish();
    },
  );
  found.evictions = evictionsDone(chosen.evictions, moveEnds);
  const deadHosts = fences.report();
  if (deadHosts.length > 0) found.deadHosts = deadHosts;
  const failed =
    run.personas.some((p) => p.outcome === 'failed' || p.outcome === 'skipped') ||
    run.hosts.some((h) => h.outcome === 'failed');
  return skeleton.finish(report(failed ? 'partial' : 'completed'));
}

/** Each persona restored from replicas carries its RPO: the data it may have lost. */
function withRpo(
  personas: readonly PersonaOutcome[],
  replicas: readonly ReplicaPromotion[] | undefined,
  /** Planned mode: personas whose replicas were switched over after a final sync. */
  inSync: readonly string[] = [],
): PersonaOutcome[] {
  const rpo = rpoByPersona(replicas ?? []);
  for (const persona of inSync) rpo.set(persona, 0);
  return personas.map((p) => {
    const seconds = rpo.get(p.persona);
    return seconds === undefined ? p : { ...p, rpoSeconds: seconds };
  });
}
