import type { FailoverPlan } from '../../domain/planner/failover-plan';
import type { FailbackReport } from '../../workflows/failback/failback-report';
import { progressQuery, type RunProgress } from '../../workflows/run-journal';
import type { RunbookReport } from '../../workflows/runbook-report';
import type { FailoverReport } from '../../workflows/site-failover/failover-report';
import { childRuns, expectEachChildStartedOnce, workerPool } from '../support/failover-children';
import { startFullStack, type FullStack } from '../support/full-stack';
import { stackApi, startThroughApi } from '../support/stack-api';
import {
  arraysOf,
  AT_SITE_A,
  darkSite,
  expectEverythingHome,
  expectReprotectedBeforeMove,
  expectRunningAtSiteB,
  failbackInput,
  seedHomes,
  TWO_SITES,
} from '../support/two-sites-story';
import type { WorkerProcess } from '../support/worker-process';

jest.setTimeout(900_000);

let stack: FullStack;
const workers = workerPool(() => stack);
const api = stackApi(() => stack);
let worker: WorkerProcess;
/** Set by the first case, used by the second: the failover run the failback brings home. */
let failoverId = '';

beforeAll(async () => {
  stack = await startFullStack({ source: TWO_SITES, noWorker: true });
  worker = await workers.spawn();
});

afterAll(async () => {
  await workers.killAll();
  await stack?.stop();
});

/** Polls `read` every 100 ms until it returns something (its errors count as "not yet"). */
async function until<T>(what: string, read: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 300_000;
  for (;;) {
    const v = await read().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`never saw ${what}:\n${worker.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const progressOf = (id: string): Promise<RunProgress> =>
  stack.temporal.client.workflow.getHandle(id).query(progressQuery);

/** Activities of `type` the run scheduled (a retry of one is not a second). */
async function scheduled(id: string, type: string): Promise<number> {
  const history = await stack.temporal.client.workflow.getHandle(id).fetchHistory();
  return (history.events ?? []).filter(
    (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === type,
  ).length;
}

/** db-01 and web-01 each run on exactly one machine of the lab, never at both sites. */
function expectOneCopyEach(): void {
  for (const { persona } of AT_SITE_A) {
    const running = [...stack.lab.machines.values()]
      .filter((m) => !m.dark && m.powerState === 'on' && m.bootResult?.persona === persona)
      .map((m) => m.id);
    expect([persona, running.length]).toEqual([persona, 1]);
  }
}

describe('two sites: a worker SIGKILLed in the middle of the cross-site failover and the failback', () => {
  it('(a) site-failover killed after promoting the replicas, before every group ran: a new worker finishes it, nothing promoted twice', async () => {
    await seedHomes(stack, 'crash');
    expect(await darkSite(stack, 'site-a', true)).toHaveLength(2);
    failoverId = await startThroughApi(api, 'site-failover', {
      site: 'site-a',
      targetSites: ['site-b'],
      healthTimeoutSeconds: 120,
      powerTimeoutSeconds: 60,
    });
    // The kill: replicas promoted (the step's result is in history), db-01's group running,
    // web-01's not started.
    const before = await until('promoted, first group running', async () => {
      const p = await progressOf(failoverId);
      const promoted = p.steps.some((s) => s.name === 'promote-replicas' && s.outcome === 'ok');
      const running = await childRuns(stack, failoverId, ` AND ExecutionStatus = 'Running'`);
      const report = p.report as FailoverReport | undefined;
      return promoted &&
        running.some((r) => r.workflowId === `${failoverId}/db-01`) &&
        (report?.groups.length ?? 0) === 0
        ? p
        : undefined;
    });
    const planBefore = (before.report as FailoverReport).plan as FailoverPlan;
    expect(planBefore.groups.map((g) => g.personas)).toEqual([['db-01'], ['web-01']]);
    await worker.kill('SIGKILL');
    worker = await workers.spawn();

    const report = (await stack.temporal.client.workflow
      .getHandle(failoverId)
      .result()) as FailoverReport;
    expect(report.plan).toEqual(planBefore);
    expect(
      report.personas
        .filter((p) => p.outcome !== 'restored')
        .map(
          (p) =>
            `${p.persona}: ${p.error?.message ?? p.reason} (${p.steps.map((x) => `${x.name} ${x.outcome}`).join(', ')})`,
        ),
    ).toEqual([]);
    expect(report.outcome).toBe('completed');
    // Promoted once: one promote activity scheduled, each replica promoted by it (none found
    // already primary by a second attempt).
    expect(await scheduled(failoverId, 'promoteReplicas')).toBe(1);
    expect((report.replicas ?? []).map((r) => [r.replica.lun, r.already, r.forced])).toEqual([
      ['db-01-boot-r', false, false],
      ['db-01-data-r', false, false],
      ['web-01-boot-r', false, true],
    ]);
    await expectEachChildStartedOnce(stack, failoverId, report.plan as FailoverPlan);
    await expectRunningAtSiteB(stack, report);
    expectOneCopyEach();
  });

  it('(b) failback killed after reprotect started, before moving home: a new worker finishes it, every child started once', async () => {
    const b = arraysOf(stack).array('array-b');
    for (const lun of ['db-01-boot-r', 'db-01-data-r', 'web-01-boot-r'])
      expect(b.write(lun)).toBe(undefined);
    const newestAtB = Object.fromEntries(
      ['db-01-boot-r', 'db-01-data-r', 'web-01-boot-r'].map((l) => [l, b.generation(l)]),
    );
    await darkSite(stack, 'site-a', false);
    // Slow arrays, so that the kill lands between the reprotect and the move home.
    for (const array of ['array-a', 'array-b'])
      expect(
        (
          await fetch(`${stack.lab.controlUrl}/lab/arrays/${array}/latency`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: '{"ms": 400}',
          })
        ).status,
      ).toBe(200);

    const failbackId = await startThroughApi(api, 'failback', failbackInput(failoverId));
    const at = await until('a reprotect started, nothing moved home', async () => {
      const p = await progressOf(failbackId);
      return p.steps.some((s) => s.name === 'reprotect') && !p.steps.some((s) => s.name === 'move')
        ? p
        : undefined;
    });
    await worker.kill('SIGKILL');
    worker = await workers.spawn();
    for (const array of ['array-a', 'array-b'])
      await fetch(`${stack.lab.controlUrl}/lab/arrays/${array}/latency`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"ms": 0}',
      });

    const report = (await stack.temporal.client.workflow
      .getHandle(failbackId)
      .result()) as FailbackReport;
    expectReprotectedBeforeMove(report);
    // The steps done before the kill were not done again: one reprotect per persona.
    const after = await progressOf(failbackId);
    expect(after.steps.slice(0, at.steps.length).map((s) => s.name)).toEqual(
      at.steps.map((s) => s.name),
    );
    for (const { persona } of AT_SITE_A)
      expect([
        persona,
        after.steps.filter((s) => s.name === 'reprotect' && s.summary.includes(`${persona}'s`))
          .length,
      ]).toEqual([persona, 1]);
    expect(await scheduled(failbackId, 'reprotectReplicas')).toBe(2);
    // Each child (stop away, move home) ran once and completed.
    const children = await childRuns(stack, failbackId);
    expect(children.map((c) => `${c.workflowId} ${c.status.name}`).sort()).toEqual(
      AT_SITE_A.flatMap(({ persona }) => [
        `${failbackId}/${persona} COMPLETED`,
        `${failbackId}/${persona}/stop-away COMPLETED`,
      ]).sort(),
    );

    const batch = await startThroughApi(api, 'repurpose', {
      persona: 'batch-01',
      machine: 'm-b1-02',
      healthTimeoutSeconds: 60,
    });
    expect(
      ((await stack.temporal.client.workflow.getHandle(batch).result()) as RunbookReport).endedOn,
    ).toBe('m-b1-02');
    await expectEverythingHome(stack, newestAtB);
    expectOneCopyEach();
  });
});
