import { join } from 'node:path';
import { TASK_QUEUE } from '../../worker/task-queue';
import type { RunbookReport } from '../../workflows/runbook-report';
import type { FailoverReport } from '../../workflows/site-failover/failover-report';
import { progressQuery, type RunProgress } from '../../workflows/run-journal';
import type { GuardStatus } from '../../workflows/site-guard/guard-messages';
import { startFullStack, type FullStack } from '../support/full-stack';
import { labHardwareState } from '../support/lab-snapshot';
import { ROOT } from '../support/lab-fixtures';
import { runCli } from '../support/run-cli';
import { stackApi } from '../support/stack-api';
import { startWebhookReceiver } from '../support/webhook-receiver';

jest.setTimeout(600_000);

const RACK_FIRE = join(ROOT, 'examples', 'rack-fire.yaml');
/**
 * Any named credential serves as the HMAC key; the lab generates this one. Production names a
 * dedicated one.
 */
const HOOK_CREDENTIAL = 'lab-array';

let stack: FullStack;
let hook: Awaited<ReturnType<typeof startWebhookReceiver>>;
const api = stackApi(() => stack);
const rackshift = (...args: string[]): Promise<string> =>
  runCli([...args, '--api', stack.api.url, '--token', stack.token]);

beforeAll(async () => {
  stack = await startFullStack({ source: RACK_FIRE });
  hook = await startWebhookReceiver(() => stack.lab.credentials[HOOK_CREDENTIAL]!.password!, {
    failFirst: 1,
  });
});

afterAll(async () => {
  await stopGuard();
  await hook?.stop();
  await stack?.stop();
});

async function stopGuard(): Promise<void> {
  await stack?.temporal.client.workflow
    .getHandle('site-guard/dc1')
    .terminate('test done')
    .catch(() => undefined);
}

async function startGuard(extra: Record<string, unknown>): Promise<void> {
  await stopGuard();
  const res = await api('/api/v1/guards', {
    method: 'POST',
    body: JSON.stringify({
      site: 'dc1',
      intervalSeconds: 1,
      failuresToLose: 2,
      eventWindowSeconds: 0,
      probeParallelism: 32,
      webhook: { url: hook.url, secret: HOOK_CREDENTIAL },
      restore: { healthTimeoutSeconds: 120, powerTimeoutSeconds: 60, approvalTimeoutSeconds: 600 },
      ...extra,
    }),
  });
  expect(res.status).toBe(202);
}

async function guardStatus(): Promise<GuardStatus> {
  const res = await api('/api/v1/guards');
  const { guards } = (await res.json()) as { guards: GuardStatus[] };
  return guards.find((g) => g.site === 'dc1')!;
}

async function statusUntil(
  what: string,
  done: (s: GuardStatus) => boolean,
  timeoutMs = 180_000,
): Promise<GuardStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await guardStatus();
    if (s.state !== undefined && (s as { state: string }).state !== 'not-running' && done(s))
      return s;
    if (Date.now() > deadline) throw new Error(`guard never showed ${what}: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('site-guard in the lab (examples/rack-fire.yaml)', () => {
  it('refuses a bad guard with the field named, and starts nothing', async () => {
    const bad = await api('/api/v1/guards', {
      method: 'POST',
      body: JSON.stringify({
        site: 'dc1',
        failuresToLose: 1,
        policy: { byPriority: { 1: 'yolo' } },
      }),
    });
    expect(bad.status).toBe(400);
    const issues = (
      (await bad.json()) as { error: { details: { path: string }[] } }
    ).error.details.map((i) => i.path);
    expect(issues).toEqual(
      expect.arrayContaining(['body.failuresToLose', 'body.policy.byPriority.1']),
    );
    const site = await api('/api/v1/guards', {
      method: 'POST',
      body: JSON.stringify({ site: 'dc9' }),
    });
    expect(((await site.json()) as { error: { details: unknown[] } }).error.details).toContainEqual(
      { path: 'body.site', message: 'unknown site "dc9"' },
    );
    expect(await guardStatus()).toEqual({ site: 'dc1', state: 'not-running' });
  });

  it('a flapping BMC (dark for one round, then back) moves nothing; the guard continues as new with its memory', async () => {
    // Three rounds per run: the rounds below span several runs, and the suspect count crosses them.
    await startGuard({ failuresToLose: 3, roundsPerRun: 3 });
    const handle = stack.temporal.client.workflow.getHandle('site-guard/dc1');
    const firstRun = (await handle.describe()).runId;
    const before = await statusUntil('a first round', (s) => s.rounds >= 1);
    expect(before.lastProbe).toMatchObject({ machines: 30, bmcDark: 0 });
    stack.lab.machine('m-r2-05').setDark(true);
    await statusUntil('m-r2-05 suspected once', (s) => s.suspects['m-r2-05'] === 1);
    stack.lab.machine('m-r2-05').setDark(false);
    const seen = (await guardStatus()).rounds;
    const after = await statusUntil('four more rounds', (s) => s.rounds >= seen + 4);
    expect(after.suspects).toEqual({});
    expect(after.events).toEqual([]);
    expect((await handle.describe()).runId).not.toBe(firstRun);
    const history = await handle.fetchHistory();
    expect(history.events?.length ?? 0).toBeLessThan(200);
    // Pause and resume through the API: validators refuse a second pause, and the status says who.
    const paused = await api('/api/v1/guards/dc1/pause', {
      method: 'POST',
      body: JSON.stringify({ by: 'oncall', reason: 'switch maintenance' }),
    });
    expect(((await paused.json()) as GuardStatus).state).toBe('paused');
    const again = await api('/api/v1/guards/dc1/pause', {
      method: 'POST',
      body: JSON.stringify({}),
    });
    expect(again.status).toBe(409);
    expect((await guardStatus()).paused).toMatchObject({
      by: 'oncall',
      reason: 'switch maintenance',
    });
    expect(await rackshift('guard', 'status')).toMatch(
      /dc1: paused by oncall at .*: switch maintenance/,
    );
    const resumed = await api('/api/v1/guards/dc1/resume', {
      method: 'POST',
      body: JSON.stringify({ by: 'oncall' }),
    });
    expect(((await resumed.json()) as GuardStatus).state).toBe('watching');
    expect(await rackshift('guard', 'pause', 'dc1', '--by', 'cli')).toBe('dc1: paused');
    expect(await rackshift('guard', 'resume', 'dc1')).toBe('dc1: watching');
    await expect(rackshift('guard', 'resume', 'dc1')).rejects.toThrow(
      /API 409: the guard of dc1 is not paused/,
    );
    const badBody = await api('/api/v1/guards/dc1/resume', {
      method: 'POST',
      body: JSON.stringify({ by: 'a;b' }),
    });
    expect(badBody.status).toBe(400);
  });

  it('a dark machine is fenced, then its persona restored by repurpose with no API call (policy auto)', async () => {
    const home = (await stack.temporal.client.workflow.execute('repurpose', {
      taskQueue: TASK_QUEUE,
      workflowId: 'repurpose/app-01/guard-test',
      args: [{ persona: 'app-01', machine: 'm-r1-10', healthTimeoutSeconds: 60 }],
    })) as RunbookReport;
    expect(home.endedOn).toBe('m-r1-10');
    const iqn = 'iqn.2026-11.lab.rackshift:m-r1-10';
    expect(stack.lab.sanView!.lunsVisibleTo('array-1', iqn).length).toBeGreaterThan(0);
    const sent = hook.received.length;

    await startGuard({});
    await statusUntil('a first round', (s) => s.rounds >= 1);
    stack.lab.machine('m-r1-10').setDark(true);
    const done = await statusUntil('the restore of app-01 finished', (s) =>
      s.events.some((e) => e.actions.some((a) => a.state === 'completed' || a.state === 'failed')),
    );
    const event = done.events[0]!;
    expect(event).toMatchObject({
      kind: 'machine',
      machines: [{ machine: 'm-r1-10', persona: 'app-01', priority: 3, rack: 'r1' }],
    });
    expect(event.actions).toEqual([
      expect.objectContaining({ kind: 'repurpose', state: 'completed', personas: ['app-01'] }),
    ]);

    const report = (await stack.temporal.client.workflow
      .getHandle(event.actions[0]!.run!)
      .result()) as RunbookReport;
    expect(report.outcome).toBe('completed');
    expect(report.endedOn).not.toBe('m-r1-10');
    const steps = report.steps.map((s) => s.name);
    // Fenced before anything starts elsewhere: BMC asked (dark), ports shut, LUNs unmasked.
    for (const fence of ['fence-power', 'fence-ports', 'fence-source'])
      expect(steps.indexOf(fence)).toBeGreaterThanOrEqual(0);
    expect(steps.indexOf('fence-source')).toBeLessThan(steps.indexOf('power-on'));
    expect(steps.indexOf('fence-ports')).toBeLessThan(steps.indexOf('power-on'));
    expect(report.steps.find((s) => s.name === 'fence-power')?.detail).toMatch(
      /BMC does not answer/,
    );
    expect(report.steps.find((s) => s.name === 'fence-ports')?.detail).toBe('2 port(s) shut');
    expect(stack.lab.sanView!.lunsVisibleTo('array-1', iqn)).toEqual([]);
    for (const port of ['GigabitEthernet1/0/10', 'GigabitEthernet2/0/10'])
      expect(stack.lab.switchView!.portState('sw-r1', port)?.shutdown).toBe(true);
    expect(stack.lab.machine(report.endedOn).bootResult).toMatchObject({
      healthy: true,
      persona: 'app-01',
    });
    expect((await stack.ledger.snapshot('dc1')).placements['app-01']).toEqual({
      kind: 'machine',
      machine: report.endedOn,
    });

    // The webhook heard it act and finish, each signed with the shared key (the first delivery was
    // refused with 503 and retried).
    const mine = hook.received.slice(sent);
    expect(mine.map((n) => n.body.kind)).toEqual(expect.arrayContaining(['acting', 'restored']));
    expect(mine.every((n) => n.signatureValid)).toBe(true);
    expect(hook.requests).toBeGreaterThan(hook.received.length);
    const key = stack.lab.credentials[HOOK_CREDENTIAL]!.password!;
    expect(JSON.stringify(mine)).not.toContain(key);
    expect(
      JSON.stringify(
        await stack.temporal.client.workflow.getHandle('site-guard/dc1').fetchHistory(),
      ),
    ).not.toContain(key);
  });

  it('fence: full powers the old machine off first when its BMC still answers, then shuts every cabled port', async () => {
    await stack.temporal.client.workflow.execute('repurpose', {
      taskQueue: TASK_QUEUE,
      workflowId: 'repurpose/ci-01/guard-test',
      args: [{ persona: 'ci-01', machine: 'm-r3-01', healthTimeoutSeconds: 60 }],
    });
    expect(stack.lab.machine('m-r3-01').powerState).toBe('on');
    const offBefore = stack.lab.machine('m-r3-01').count('off');
    const report = (await stack.temporal.client.workflow.execute('repurpose', {
      taskQueue: TASK_QUEUE,
      workflowId: 'repurpose/ci-01/guard-fence',
      args: [{ persona: 'ci-01', sourceDown: true, fence: 'full', healthTimeoutSeconds: 60 }],
    })) as RunbookReport;
    expect(report.endedOn).not.toBe('m-r3-01');
    expect(report.steps.find((s) => s.name === 'fence-power')?.detail).toBe('powered off');
    expect(stack.lab.machine('m-r3-01').powerState).toBe('off');
    expect(stack.lab.machine('m-r3-01').count('off')).toBe(offBefore + 1);
    // Its BMC confirmed it off, so the ledger says off (not unknown); fenced, so unhealthy; parked.
    expect((await stack.ledger.snapshot('dc1')).machines['m-r3-01']).toMatchObject({
      power: 'off',
      healthy: false,
      role: 'idle',
    });
    const nics = stack.topology.sites[0]!.machines.find((m) => m.id === 'm-r3-01')!.nics;
    expect(report.steps.find((s) => s.name === 'fence-ports')?.detail).toBe(
      `${nics.length} port(s) shut`,
    );
    for (const n of nics)
      expect(stack.lab.switchView!.portState(n.switch, n.port)?.shutdown).toBe(true);
    expect(
      stack.lab.sanView!.lunsVisibleTo(
        'array-1',
        stack.topology.sites[0]!.machines.find((m) => m.id === 'm-r3-01')!.storage.iqn!,
      ),
    ).toEqual([]);
    expect(stack.lab.machine(report.endedOn).bootResult).toMatchObject({
      healthy: true,
      persona: 'ci-01',
    });
  });

  it('a burned rack is one event: one site-failover that waits for approval (policy approve), and the webhook asks for it', async () => {
    const sent = hook.received.length;
    // A round probes for seconds; the burn lands inside one, so machines reach their count a round
    // apart: the window joins them.
    await startGuard({
      eventWindowSeconds: 20,
      policy: {
        byPriority: { 1: 'approve', 2: 'approve', 3: 'approve', 4: 'approve', 5: 'approve' },
      },
    });
    await statusUntil('a first round', (s) => s.rounds >= 1);
    const before = labHardwareState(stack.lab);
    const burned = stack.lab.burnRack('r1');
    const waiting = await statusUntil('a pending approval', (s) => s.pendingApprovals.length > 0);
    expect(waiting.events).toHaveLength(1);
    const event = waiting.events[0]!;
    expect(event.kind).toBe('rack');
    expect(event.racks).toEqual(['r1']);
    // m-r1-10 lost its persona to the earlier restore: every other machine of the rack is in the
    // one event.
    expect(event.machines.map((m) => m.machine).sort()).toEqual(
      burned.filter((m) => m !== 'm-r1-10').sort(),
    );
    expect(event.actions).toEqual([
      expect.objectContaining({
        kind: 'site-failover',
        approval: 'manual',
        state: 'awaiting-approval',
      }),
    ]);
    const run = waiting.pendingApprovals[0]!;

    const shownOf = async (): Promise<
      (Omit<FailoverReport, 'outcome'> & { outcome: string }) | undefined
    > =>
      (
        (await stack.temporal.client.workflow
          .getHandle(run)
          .query(progressQuery)
          .catch(() => undefined)) as RunProgress | undefined
      )?.report as never;
    const deadline = Date.now() + 120_000;
    let shown = await shownOf();
    while (shown?.outcome !== 'awaiting-approval' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      shown = await shownOf();
    }
    expect(shown?.outcome).toBe('awaiting-approval');
    expect(shown?.failedMachines).toHaveLength(19);

    const ask = hook.received.slice(sent).find((n) => n.body.kind === 'approval-needed');
    expect(ask).toBeDefined();
    expect(ask!.signatureValid).toBe(true);
    expect(ask!.body).toMatchObject({
      site: 'dc1',
      run,
      approve: `POST /api/v1/runs/${encodeURIComponent(run)}/approval`,
    });

    // Nothing moved while it waits; an operator rejects (a drill), and the guard records it.
    const rejected = await api(`/api/v1/runs/${encodeURIComponent(run)}/approval`, {
      method: 'POST',
      body: JSON.stringify({ decision: 'reject', by: 'oncall' }),
    });
    expect(rejected.status).toBe(200);
    const after = await statusUntil(
      'the failover ended',
      (s) =>
        s.pendingApprovals.length === 0 && s.events[0]!.actions[0]!.state !== 'awaiting-approval',
    );
    expect(after.events[0]!.actions[0]).toMatchObject({ state: 'declined' });
    const now = labHardwareState(stack.lab);
    expect(now.switches).toEqual(before.switches);
    expect(now.masks).toEqual(before.masks);
  });
});
