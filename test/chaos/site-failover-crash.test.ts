import type { WorkflowExecutionInfo } from '@temporalio/client';
import { join } from 'node:path';
import type { FailoverPlan } from '../../domain/planner/failover-plan';
import { progressQuery, type RunProgress } from '../../workflows/run-journal';
import type { FailoverReport } from '../../workflows/site-failover/failover-report';
import { watchBmc } from '../support/bmc-watch';
import { startFullStack, type FullStack } from '../support/full-stack';
import { ROOT } from '../support/lab-fixtures';
import type { WorkerProcess } from '../support/worker-process';
import { childRuns, expectEachChildStartedOnce, workerPool } from '../support/failover-children';
import { ledgerLabDisagreements } from '../support/ledger-lab-check';

jest.setTimeout(600_000);

const RACK_FIRE = join(ROOT, 'examples', 'rack-fire.yaml');
/**
 * The kill comes once the first priority group has finished (its children's results are in the
 * parent's history) and at least this many children of a later group run at once. array-1 holds
 * every SAN persona's LUNs (maxParallel 4), so a group runs at most 4 SAN moves plus its PXE
 * ones at a time: priority 2 (web-01, web-02, web-03, api-01, mq-01) runs all 5 together.
 */
const IN_FLIGHT_AT_KILL = 4;

let stack: FullStack;
const workers = workerPool(() => stack);

beforeAll(async () => {
  // Slower power and boot than the runbook tests, so that children are certainly mid-run at the
  // kill.
  stack = await startFullStack({
    source: RACK_FIRE,
    noWorker: true,
    timing: { powerDelayMs: 1000, bootMs: 1500, shutdownMs: 300 },
  });
});

afterAll(async () => {
  await workers.killAll();
  await stack?.stop();
});

const worker = (): Promise<WorkerProcess> => workers.spawn();

describe('site-failover survives SIGKILL of its worker with many child runbooks in flight', () => {
  it('rack r1 burns; the worker dies mid-restore; a new one finishes the same plan, each child started once', async () => {
    const burned = stack.lab.burnRack('r1');
    const survivors = [...stack.lab.machines.values()].filter((m) => !burned.includes(m.id));
    const seen = new Map(survivors.map((m) => [m.id, watchBmc(m)]));
    const first = await worker();

    const started = Date.now();
    const res = await fetch(`${stack.api.url}/api/v1/runbooks/site-failover/runs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        input: { racks: ['r1'], healthTimeoutSeconds: 120, powerTimeoutSeconds: 60 },
      }),
    });
    expect(res.status).toBe(202);
    const { runId: failoverId } = (await res.json()) as { runId: string };
    const handle = stack.temporal.client.workflow.getHandle(failoverId);

    let before: RunProgress | undefined;
    let inFlight: WorkflowExecutionInfo[] = [];
    for (let i = 0; i < 1200; i += 1) {
      inFlight = await childRuns(stack, failoverId, ` AND ExecutionStatus = 'Running'`);
      if (inFlight.length >= IN_FLIGHT_AT_KILL) {
        const progress = await handle.query(progressQuery);
        if (((progress.report as FailoverReport | undefined)?.groups.length ?? 0) >= 1) {
          before = progress;
          break;
        }
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    if (before === undefined)
      throw new Error(
        `never saw ${IN_FLIGHT_AT_KILL} children of a later group running at once:\n${first.output()}`,
      );
    const planBefore = (before.report as FailoverReport).plan;
    expect(planBefore).toBeDefined();
    const doneBefore = (before.report as FailoverReport).personas.filter(
      (p) => p.outcome === 'restored' || p.outcome === 'failed',
    ).length;
    await first.kill('SIGKILL');
    const killedAt = Date.now();
    await worker();

    const report = (await handle.result()) as FailoverReport;
    const seconds = (Date.now() - started) / 1000;

    // The plan is the one the progress query showed before the kill, not a second plan.
    expect(report.plan).toEqual(planBefore);
    const plan = report.plan as FailoverPlan;
    expect(report.outcome).toBe('completed');
    expect(report.hosts.filter((h) => h.outcome !== 'up')).toEqual([]);
    expect(
      report.personas
        .filter((p) => p.priority <= 2 && p.outcome !== 'restored')
        .map((p) => `${p.persona}: ${p.outcome} ${p.error?.message ?? p.reason ?? ''}`),
    ).toEqual([]);

    // Each child id was started exactly once: one run per id in visibility, one start command in
    // the parent's history.
    const expectedIds = await expectEachChildStartedOnce(stack, failoverId, plan);

    // The lab agrees with the report: each restored persona runs, healthy, where the report says.
    const hypervisors =
      (
        stack.lab.describe() as {
          hypervisors?: Record<
            string,
            { domains: Record<string, { state: string; boot: { healthy: boolean } | null }> }
          >;
        }
      ).hypervisors ?? {};
    const targets = new Set(plan.hypervisorHosts.map((h) => h.machine));
    for (const p of report.personas.filter((x) => x.outcome === 'restored')) {
      const target = plan.restorations.find((r) => r.persona === p.persona);
      if (target?.outcome !== 'restored')
        throw new Error(`${p.persona} is restored but the plan does not restore it`);
      if (target.target.kind === 'machine') {
        targets.add(target.target.machine);
        expect(p.endedOn).toBe(target.target.machine);
        expect(stack.lab.machine(target.target.machine).powerState).toBe('on');
        expect(stack.lab.machine(target.target.machine).bootResult).toMatchObject({
          healthy: true,
          persona: p.persona,
        });
      } else {
        expect(p.endedOn).toBe(`vm@${target.target.host}`);
        expect(hypervisors[target.target.host]?.domains[p.persona]).toMatchObject({
          state: 'running',
          boot: { healthy: true },
        });
      }
    }
    // Each machine the failover started powered on once; no BMC got an "on" while already on, a
    // cycle or an off.
    for (const machine of targets) {
      const s = seen.get(machine)!;
      expect({ machine, ons: s.filter((x) => x.action === 'power-on').length }).toEqual({
        machine,
        ons: 1,
      });
      expect(
        s.filter(
          (x) =>
            (x.action === 'on' && x.state === 'on') || x.action === 'cycle' || x.action === 'off',
        ),
      ).toEqual([]);
    }
    // And the machines it did not choose were left alone.
    for (const [machine, s] of seen)
      if (!targets.has(machine)) expect({ machine, seen: s }).toEqual({ machine, seen: [] });

    // After the crash and the resumed run, the ledger and the lab agree on every machine: burned
    // ones
    // recorded dark, the machines the personas left parked, each eviction listed as the moves did
    // it.
    const ledger = await stack.ledger.snapshot('dc1');
    for (const m of burned)
      expect({ m, record: ledger.machines[m] }).toMatchObject({
        m,
        record: { power: 'unknown', healthy: false },
      });
    expect(ledgerLabDisagreements(stack.lab, stack.topology, [ledger])).toEqual([]);
    expect((report.evictions ?? []).map((e) => `${e.occupant}: ${e.outcome}`)).toEqual(
      plan.evictions.map((e) => `${e.occupant}: evicted`),
    );

    const restored = report.personas.filter((p) => p.outcome === 'restored').length;
    console.log(
      `site-failover crash: killed the worker ${((killedAt - started) / 1000).toFixed(1)} s in with ${inFlight.length} child runs in flight ` +
        `(${inFlight.map((w) => w.workflowId.slice(failoverId.length + 1)).join(', ')}) and ${doneBefore} move(s) done; ` +
        `completed ${restored} of ${plan.restorations.length} restored in ${seconds.toFixed(1)} s (${((Date.now() - killedAt) / 1000).toFixed(1)} s after the kill); ` +
        `${expectedIds.length} child runs, each started once; groups ${plan.groups.map((g) => `p${g.priority}:${g.personas.length}${g.hypervisorHosts.length > 0 ? `+${g.hypervisorHosts.length}host` : ''}`).join(' ')}`,
    );
  });
});
