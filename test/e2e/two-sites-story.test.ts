import type { FailbackReport } from '../../workflows/failback/failback-report';
import { progressQuery, type RunProgress } from '../../workflows/run-journal';
import type { RunbookReport } from '../../workflows/runbook-report';
import type { FailoverReport } from '../../workflows/site-failover/failover-report';
import type { GuardStatus } from '../../workflows/site-guard/guard-messages';
import { startFullStack, type FullStack } from '../support/full-stack';
import { labHardwareState } from '../support/lab-snapshot';
import { stackApi, startThroughApi } from '../support/stack-api';
import {
  arraysOf,
  AT_SITE_A,
  darkSite,
  drbdSide,
  expectEverythingHome,
  expectLedgersAgreeWithLab,
  expectReprotectedBeforeMove,
  expectRunningAtSiteB,
  failbackInput,
  seedHomes,
  TWO_SITES,
} from '../support/two-sites-story';
import { startWebhookReceiver } from '../support/webhook-receiver';

jest.setTimeout(600_000);

/** Any named credential serves as the webhook's HMAC key; the lab generates this one. */
const HOOK_CREDENTIAL = 'lab-array';
const GUARD = 'site-guard/site-a';

let stack: FullStack;
let hook: Awaited<ReturnType<typeof startWebhookReceiver>>;
const api = stackApi(() => stack);

beforeAll(async () => {
  stack = await startFullStack({ source: TWO_SITES });
  hook = await startWebhookReceiver(() => stack.lab.credentials[HOOK_CREDENTIAL]!.password!);
});

afterAll(async () => {
  await stack?.temporal.client.workflow
    .getHandle(GUARD)
    .terminate('test done')
    .catch(() => undefined);
  await hook?.stop();
  await stack?.stop();
});

async function guardStatus(): Promise<GuardStatus> {
  const { guards } = (await (await api('/api/v1/guards')).json()) as { guards: GuardStatus[] };
  return guards.find((g) => g.site === 'site-a')!;
}

async function until<T>(what: string, read: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 240_000;
  for (;;) {
    const v = await read().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`never saw ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('two sites, the whole story (examples/two-sites.yaml)', () => {
  it('site-a goes dark; its guard notices and asks; an operator approves; site-b runs everything from replicas; failback after reprotect brings everything home', async () => {
    await seedHomes(stack, 'story');
    const a = arraysOf(stack).array('array-a');
    const b = arraysOf(stack).array('array-b');
    expect(drbdSide(stack, 'array-a', 'db-01-boot')?.role).toBe('Primary');
    expect(b.generation('db-01-data-r')).toBe(5);
    await expectLedgersAgreeWithLab(stack);

    // The guard of site-a, with the default policies (priority 1–2: approve) and a signed webhook.
    const started = await api('/api/v1/guards', {
      method: 'POST',
      body: JSON.stringify({
        site: 'site-a',
        intervalSeconds: 1,
        failuresToLose: 2,
        eventWindowSeconds: 5,
        webhook: { url: hook.url, secret: HOOK_CREDENTIAL },
        restore: {
          healthTimeoutSeconds: 120,
          powerTimeoutSeconds: 60,
          approvalTimeoutSeconds: 600,
        },
      }),
    });
    expect(started.status).toBe(202);
    await until('a first round', async () =>
      (await guardStatus()).rounds >= 1 ? true : undefined,
    );

    // Site-a goes dark: BMCs, OSes, its array and its replication links; site-b's switch answers.
    const before = labHardwareState(stack.lab);
    expect((await darkSite(stack, 'site-a', true)).sort()).toEqual(['m-a1-01', 'm-a1-02']);
    expect(
      (stack.lab.describe() as { arrays: Record<string, { dark: boolean }> }).arrays,
    ).toMatchObject({
      'array-a': { dark: true },
      'array-b': { dark: false },
    });
    expect(drbdSide(stack, 'array-b', 'web-01-boot-r')?.disk).toBe('Consistent');

    // The guard notices by itself: one site event, one site-failover that waits for approval.
    const waiting = await until('a pending approval', async () => {
      const s = await guardStatus();
      return s.pendingApprovals.length > 0 ? s : undefined;
    });
    expect(waiting.events).toHaveLength(1);
    expect(waiting.events[0]).toMatchObject({
      kind: 'site',
      racks: ['a1'],
      machines: AT_SITE_A.map(({ persona, home }) =>
        expect.objectContaining({ machine: home, persona }),
      ),
    });
    expect(waiting.events[0]!.actions).toEqual([
      expect.objectContaining({
        kind: 'site-failover',
        approval: 'manual',
        state: 'awaiting-approval',
      }),
    ]);
    const run = waiting.pendingApprovals[0]!;
    expect(run).toBe(`${GUARD}/e1/failover-manual`);
    // No API call started a failover: the guard's child is the only one.
    const failovers: string[] = [];
    for await (const w of stack.temporal.client.workflow.list({
      query: `WorkflowType = 'siteFailover'`,
    }))
      failovers.push(w.workflowId);
    expect(failovers).toEqual([run]);

    const handle = stack.temporal.client.workflow.getHandle(run);
    const shown = await until('the plan awaiting approval', async () => {
      const r = ((await handle.query(progressQuery)) as RunProgress).report as
        | (Omit<FailoverReport, 'outcome'> & { outcome: string })
        | undefined;
      return r?.outcome === 'awaiting-approval' ? r : undefined;
    });
    expect(shown.failedMachines).toEqual(['m-a1-01', 'm-a1-02']);

    // The webhook asked for approval, signed with the shared key.
    const ask = await until('the approval notification', async () =>
      hook.received.find((n) => n.body.kind === 'approval-needed'),
    );
    expect(ask.signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(ask.signatureValid).toBe(true);
    expect(ask.body).toMatchObject({
      guard: GUARD,
      site: 'site-a',
      run,
      runbook: 'site-failover',
      approve: `POST /api/v1/runs/${encodeURIComponent(run)}/approval`,
    });
    // Nothing moved while it waits.
    const now = labHardwareState(stack.lab);
    expect([now.switches, now.masks]).toEqual([before.switches, before.masks]);

    // An operator approves through the API.
    const approved = await fetch(
      `${stack.api.url}/api/v1/runs/${encodeURIComponent(run)}/approval`,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${stack.approverToken}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ decision: 'approve', by: 'oncall' }),
      },
    );
    expect(approved.status).toBe(200);
    const report = (await handle.result()) as FailoverReport;
    expect(
      report.personas
        .filter((p) => p.outcome !== 'restored')
        .map(
          (p) =>
            `${p.persona}: ${p.error?.message ?? p.reason} (${p.steps.map((x) => `${x.name} ${x.outcome}`).join(', ')})`,
        ),
    ).toEqual([]);
    expect(report.outcome).toBe('completed');
    // The API records who approved by the token, not by what the body claims.
    expect(report.approval).toMatchObject({ decision: 'approved', by: 'admin-2' });

    // Site-b runs every persona that fits, from promoted replicas, with RPO per persona.
    expect(
      (report.replicas ?? []).map((r) => [r.replica.lun, r.mode, r.rpoSeconds, r.forced]),
    ).toEqual([
      ['db-01-boot-r', 'sync', 0, false],
      ['db-01-data-r', 'sync', 0, false],
      ['web-01-boot-r', 'async', 300, true],
    ]);
    expect(report.personas.map((p) => [p.persona, p.rpoSeconds])).toEqual(
      expect.arrayContaining([
        ['db-01', 0],
        ['web-01', 300],
      ]),
    );
    expect(report.notRestored).toEqual([]);
    expect((report.evictions ?? []).map((e) => `${e.occupant}: ${e.outcome}`)).toEqual([
      'batch-01: evicted',
    ]);
    const at = await expectRunningAtSiteB(stack, report);
    // The sync replicas hold every write, the async one its last sync's (none since the link
    // came up).
    expect([b.generation('db-01-data-r'), b.generation('web-01-boot-r')]).toEqual([5, 0]);
    const status = await until('the guard recorded the restore', async () => {
      const s = await guardStatus();
      return s.events[0]?.actions[0]?.state === 'completed' ? s : undefined;
    });
    expect(status.pendingApprovals).toEqual([]);
    const restored = await until('the restored notification', async () =>
      hook.received.find((n) => n.body.kind === 'restored'),
    );
    expect(restored.signatureValid).toBe(true);

    // The personas write at site-b.
    for (const lun of ['db-01-boot-r', 'db-01-data-r', 'web-01-boot-r'])
      expect(b.write(lun)).toBe(undefined);
    expect(b.write('db-01-boot-r')).toBe(undefined);
    const newestAtB = {
      'db-01-boot-r': b.generation('db-01-boot-r'),
      'db-01-data-r': b.generation('db-01-data-r'),
      'web-01-boot-r': b.generation('web-01-boot-r'),
    };
    expect(newestAtB).toEqual({ 'db-01-boot-r': 8, 'db-01-data-r': 6, 'web-01-boot-r': 1 });

    // Site-a comes back: machines answer (off), the array answers, the links meet in split brain.
    await darkSite(stack, 'site-a', false);
    expect(drbdSide(stack, 'array-a', 'db-01-boot')?.role).toBe('Primary');
    expect(a.generation('db-01-boot')).toBe(5);
    for (const { home } of AT_SITE_A) expect(stack.lab.machine(home).powerState).toBe('off');

    // Failback of the guard's failover run, through the API.
    const failbackRun = await startThroughApi(api, 'failback', failbackInput(run));
    const back = (await stack.temporal.client.workflow
      .getHandle(failbackRun)
      .result()) as FailbackReport;
    expectReprotectedBeforeMove(back);
    expect(back.evicted).toEqual([{ persona: 'batch-01', machine: 'm-b1-02' }]);
    // Replication was reversed before anything moved home: per persona, the failback's own steps
    // stop it away, reprotect, wait until home is in sync and switch over, then move it.
    const journal = (await stack.temporal.client.workflow
      .getHandle(failbackRun)
      .query(progressQuery)) as RunProgress;
    const ORDER = ['stop-away', 'reprotect', 'wait-in-sync', 'switchover', 'move'];
    for (const { persona } of AT_SITE_A) {
      const mine = journal.steps.filter(
        (x) => ORDER.includes(x.name) && new RegExp(`\\b${persona}\\b`).test(x.summary),
      );
      expect([persona, mine.map((x) => `${x.name} ${x.outcome}`)]).toEqual([
        persona,
        ORDER.map((n) => `${n} ok`),
      ]);
      expect(Date.parse(mine[4]!.startedAt)).toBeGreaterThanOrEqual(Date.parse(mine[3]!.endedAt!));
    }
    // The machines the personas left at site-b are off and idle. (The report also lists each home
    // machine, on and running its persona: the failback located the persona there too by the masks
    // the dark array kept.)
    expect(
      back.machines
        .filter((m) => m.machine.startsWith('m-b'))
        .map((m) => [m.machine, m.power, m.role])
        .sort(),
    ).toEqual([...at.values()].map((m) => [m, 'off', 'idle']).sort());

    // The evicted batch-01 goes home too, as the failback report tells the operator.
    const batch = await startThroughApi(api, 'repurpose', {
      persona: 'batch-01',
      machine: 'm-b1-02',
      healthTimeoutSeconds: 60,
    });
    expect(
      ((await stack.temporal.client.workflow.getHandle(batch).result()) as RunbookReport).endedOn,
    ).toBe('m-b1-02');
    await expectEverythingHome(stack, newestAtB);
  });
});
