import type { FailoverPlan, NewHost, Restoration } from '../../domain/planner/failover-plan';
import type { GroupOutcome, HostOutcome, PersonaOutcome } from './failover-report';

export type PlannedRestoration = Extract<Restoration, { outcome: 'restored' }>;

/** What a failover or a drill does for each entry of the plan; the group runner decides when. */
export interface PlanExecutor {
  bringUpHost(host: NewHost): Promise<HostOutcome>;
  restore(restoration: PlannedRestoration): Promise<PersonaOutcome>;
}

export interface GroupRun {
  readonly personas: PersonaOutcome[];
  readonly hosts: HostOutcome[];
  readonly groups: GroupOutcome[];
}

/**
 * Runs a plan's priority groups in order, as SRM does: a group starts when the one before it
 * has finished. Inside a group its new hypervisor hosts and its personas start together (the
 * executor bounds them by device limits); a VM waits for its host, and is skipped when the
 * host did not come up. One persona's failure never stops the others. `changed` is called after
 * every outcome, so the `progress` query shows the run as it goes.
 */
export async function runGroups(
  plan: FailoverPlan,
  exec: PlanExecutor,
  changed: (run: GroupRun) => void,
): Promise<GroupRun> {
  const run: GroupRun = { personas: [], hosts: [], groups: [] };
  const byPersona = new Map(plan.restorations.map((r) => [r.persona, r]));
  const newHosts = new Map(plan.hypervisorHosts.map((h) => [h.machine, h]));
  const hostUp = new Map<string, Promise<boolean>>();

  for (const r of plan.restorations) {
    if (r.outcome === 'not-restored')
      run.personas.push({
        persona: r.persona,
        priority: r.priority,
        outcome: 'not-restored',
        steps: [],
        reason: `${r.reason}: ${r.detail}`,
      });
  }
  changed(run);

  for (const group of plan.groups) {
    const groupStart = new Date().toISOString();
    for (const machine of group.hypervisorHosts) {
      const host = newHosts.get(machine);
      if (host === undefined || hostUp.has(machine)) continue;
      hostUp.set(
        machine,
        exec.bringUpHost(host).then((h) => {
          run.hosts.push(h);
          changed(run);
          return h.outcome === 'up';
        }),
      );
    }
    const outcomes = await Promise.all(
      group.personas.map(async (name): Promise<PersonaOutcome> => {
        const r = byPersona.get(name);
        if (r === undefined || r.outcome !== 'restored')
          throw new Error(
            `plan group ${group.priority} names ${name}, which the plan does not restore`,
          );
        const outcome: PersonaOutcome =
          r.target.kind === 'vm' && hostUp.has(r.target.host) && !(await hostUp.get(r.target.host))
            ? {
                persona: name,
                priority: r.priority,
                outcome: 'skipped',
                steps: [],
                reason: `its new hypervisor host ${r.target.host} did not come up`,
              }
            : await exec.restore(r);
        run.personas.push(outcome);
        changed(run);
        return outcome;
      }),
    );
    await Promise.all(group.hypervisorHosts.map((m) => hostUp.get(m)));
    const rtos = outcomes
      .filter((o) => o.outcome === 'restored' && o.rtoSeconds !== undefined)
      .map((o) => o.rtoSeconds!);
    run.groups.push({
      priority: group.priority,
      personas: group.personas,
      startedAt: groupStart,
      endedAt: new Date().toISOString(),
      ...(rtos.length > 0 && { rtoSeconds: Math.max(...rtos) }),
      restored: outcomes.filter((o) => o.outcome === 'restored').length,
      failed: outcomes.filter((o) => o.outcome !== 'restored').length,
    });
    changed(run);
  }
  const order = new Map(plan.restorations.map((r, i) => [r.persona, i]));
  run.personas.sort((a, b) => (order.get(a.persona) ?? 0) - (order.get(b.persona) ?? 0));
  return run;
}
