import { join } from 'node:path';
import { TASK_QUEUE } from '../../worker/task-queue';
import type { RunProgress } from '../../workflows/run-journal';
import { progressQuery } from '../../workflows/run-journal';
import type { RunbookReport } from '../../workflows/runbook-report';
import type { FailoverReport } from '../../workflows/site-failover/failover-report';
import { startFullStack, type FullStack } from '../support/full-stack';
import { ledgerLabDisagreements } from '../support/ledger-lab-check';
import { labHardwareState } from '../support/lab-snapshot';
import { ledgerFacts } from '../support/ledger-state';
import { stackApi, startThroughApi } from '../support/stack-api';
import { ROOT } from '../support/lab-fixtures';

jest.setTimeout(600_000);

const RACK_FIRE = join(ROOT, 'examples', 'rack-fire.yaml');

let stack: FullStack;
let seq = 0;

beforeAll(async () => {
  stack = await startFullStack({ source: RACK_FIRE });
});

afterAll(async () => {
  await stack?.stop();
});

const api = stackApi(() => stack);
const startFailover = (input: Record<string, unknown>) =>
  startThroughApi(api, 'site-failover', input);

async function progressUntil(
  runId: string,
  done: (p: RunProgress) => boolean,
  timeoutMs = 120_000,
): Promise<RunProgress> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const p = await stack.temporal.client.workflow
      .getHandle(runId)
      .query(progressQuery)
      .catch(() => undefined);
    if (p !== undefined && done(p)) return p;
    if (Date.now() > deadline)
      throw new Error(`progress of ${runId} never matched: ${JSON.stringify(p)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const result = (runId: string) =>
  stack.temporal.client.workflow.getHandle(runId).result() as Promise<FailoverReport>;

describe('site-failover in the lab (examples/rack-fire.yaml: rack r1 burns, ten machines left)', () => {
  it('refuses a bad scope with the field named, and starts nothing', async () => {
    const res = await api('/api/v1/runbooks/site-failover/runs', {
      method: 'POST',
      body: JSON.stringify({ input: { racks: ['r9'], site: 'dc1' } }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { details: { path: string; message: string }[] } };
    expect(body.error.details).toContainEqual({
      path: 'input.site',
      message: 'name exactly one of site, racks or machines',
    });
    const unknown = await api('/api/v1/runbooks/site-failover/runs', {
      method: 'POST',
      body: JSON.stringify({ input: { racks: ['r9'] } }),
    });
    expect(
      ((await unknown.json()) as { error: { details: unknown[] } }).error.details,
    ).toContainEqual({ path: 'input.racks[0]', message: 'unknown rack "r9"' });
  });

  it('a manual approval shows the plan and waits; a reject ends the run having changed nothing', async () => {
    const before = labHardwareState(stack.lab);
    const ledgerBefore = ledgerFacts(await stack.ledger.snapshot('dc1'));
    const runId = await startFailover({
      racks: ['r1'],
      probe: false,
      approval: 'manual',
      approvalTimeoutSeconds: 300,
    });
    const waiting = await progressUntil(
      runId,
      (p) => (p.report as { outcome?: string } | undefined)?.outcome === 'awaiting-approval',
    );
    const shown = waiting.report as FailoverReport;
    expect(shown.plan?.restorations).toHaveLength(20);
    expect(shown.failedMachines).toHaveLength(20);

    // Four eyes: the token that started the run may not decide it; another may, and it signs the
    // decision.
    const approver = { authorization: `Bearer ${stack.approverToken}` };
    const own = await api(`/api/v1/runs/${runId}/approval`, {
      method: 'POST',
      body: JSON.stringify({ decision: 'approve' }),
    });
    expect(own.status).toBe(403);
    const bad = await api(`/api/v1/runs/${runId}/approval`, {
      method: 'POST',
      headers: approver,
      body: JSON.stringify({ decision: 'maybe' }),
    });
    expect(bad.status).toBe(400);
    const rejected = await api(`/api/v1/runs/${runId}/approval`, {
      method: 'POST',
      headers: approver,
      body: JSON.stringify({ decision: 'reject', by: 'someone-else', reason: 'drill only' }),
    });
    expect(rejected.status).toBe(200);
    const report = await result(runId);
    expect(report).toMatchObject({
      outcome: 'rejected',
      approval: { decision: 'rejected', by: 'admin-2', reason: 'drill only' },
      personas: [],
    });
    // Nothing waits now: a second answer is a conflict, not a silent no-op.
    const late = await api(`/api/v1/runs/${runId}/approval`, {
      method: 'POST',
      headers: approver,
      body: JSON.stringify({ decision: 'approve' }),
    });
    expect(late.status).toBe(409);
    expect(labHardwareState(stack.lab)).toEqual(before);
    expect(ledgerFacts(await stack.ledger.snapshot('dc1'))).toEqual(ledgerBefore);
  });

  it('planned mode refuses when a source BMC does not answer, before it changes anything', async () => {
    stack.lab.machine('m-r1-04').setDark(true);
    try {
      const runId = await startFailover({ machines: ['m-r1-04'], mode: 'planned' });
      await expect(result(runId)).rejects.toMatchObject({
        cause: { type: 'SourceUnreachableError' },
      });
    } finally {
      stack.lab.machine('m-r1-04').setDark(false);
    }
  });

  it('planned mode shuts db-01 down cleanly where it runs, then brings it up elsewhere', async () => {
    await stack.temporal.client.workflow.execute('repurpose', {
      taskQueue: TASK_QUEUE,
      workflowId: `repurpose/db-01/t${++seq}`,
      args: [{ persona: 'db-01', machine: 'm-r1-01', healthTimeoutSeconds: 60 }],
    });
    const softBefore = stack.lab.machine('m-r1-01').count('soft');
    const runId = await startFailover({
      machines: ['m-r1-01'],
      mode: 'planned',
      graceSeconds: 30,
      healthTimeoutSeconds: 120,
      powerTimeoutSeconds: 60,
    });
    const report = await result(runId);
    expect(report).toMatchObject({
      mode: 'planned',
      outcome: 'completed',
      failedMachines: ['m-r1-01'],
    });
    const db01 = report.personas.find((p) => p.persona === 'db-01')!;
    expect(db01.outcome).toBe('restored');
    const steps = db01.steps.map((s) => s.name);
    expect(steps).toEqual(expect.arrayContaining(['stop-source', 'unmask-source']));
    expect(steps).not.toContain('fence-source');
    expect(steps.indexOf('stop-source')).toBeLessThan(steps.indexOf('power-on'));
    expect(stack.lab.machine('m-r1-01').count('soft')).toBe(softBefore + 1);
    expect(stack.lab.machine('m-r1-01').powerState).toBe('off');
    expect(stack.lab.machine(db01.endedOn!).bootResult).toMatchObject({
      healthy: true,
      persona: 'db-01',
    });
  });

  it('rack r1 burns: the probes find it dark, db-01 (running, its LUNs masked) and the rest come back by priority', async () => {
    // db-01 runs at home before the fire, so its LUNs are masked to m-r1-01's initiator.
    const home = (await stack.temporal.client.workflow.execute('repurpose', {
      taskQueue: TASK_QUEUE,
      workflowId: `repurpose/db-01/t${++seq}`,
      args: [{ persona: 'db-01', machine: 'm-r1-01', healthTimeoutSeconds: 60 }],
    })) as RunbookReport;
    expect(home.endedOn).toBe('m-r1-01');
    const r1Iqn = stack.topology.sites[0]!.machines.find((m) => m.id === 'm-r1-01')!.storage.iqn!;
    expect(stack.lab.sanView!.lunsVisibleTo('array-1', r1Iqn)).toEqual([
      'db-01-boot',
      'db-01-data',
    ]);

    const offBefore = stack.lab.machine('m-r1-01').count('off');
    const burned = stack.lab.burnRack('r1');
    expect(burned).toHaveLength(20);
    const started = Date.now();
    const runId = await startFailover({
      racks: ['r1'],
      healthTimeoutSeconds: 120,
      powerTimeoutSeconds: 60,
    });
    const report = await result(runId);
    const seconds = (Date.now() - started) / 1000;

    expect(report.failedMachines).toEqual(burned.sort());
    expect(report.hosts.filter((h) => h.outcome !== 'up')).toEqual([]);
    expect(
      report.personas
        .filter((p) => p.outcome === 'failed' || p.outcome === 'skipped')
        .map((p) => `${p.persona}: ${p.error?.message ?? p.reason}`),
    ).toEqual([]);
    expect(report.outcome).toBe('completed');
    const plan = report.plan!;
    const restored = report.personas.filter((p) => p.outcome === 'restored');
    expect(restored.map((p) => p.persona).sort()).toEqual(
      plan.restorations
        .filter((r) => r.outcome === 'restored')
        .map((r) => r.persona)
        .sort(),
    );
    // Every priority-1 and -2 persona is back; sandbox-01 is too large for anything left.
    expect(report.personas.filter((p) => p.priority <= 2 && p.outcome !== 'restored')).toEqual([]);
    expect(report.notRestored.map((n) => n.persona)).toContain('sandbox-01');

    // Where the report says each runs, the lab agrees: the machine (or the VM's host) runs it,
    // healthy.
    const ledger = await stack.ledger.snapshot('dc1');
    for (const p of restored) {
      const target = plan.restorations.find((r) => r.persona === p.persona);
      expect(target?.outcome).toBe('restored');
      if (target?.outcome !== 'restored') continue;
      if (target.target.kind === 'machine') {
        expect(p.endedOn).toBe(target.target.machine);
        expect(ledger.placements[p.persona]).toEqual({
          kind: 'machine',
          machine: target.target.machine,
        });
        expect(stack.lab.machine(target.target.machine).powerState).toBe('on');
        expect(stack.lab.machine(target.target.machine).bootResult).toMatchObject({
          healthy: true,
          persona: p.persona,
        });
      } else {
        expect(p.endedOn).toBe(`vm@${target.target.host}`);
        expect(ledger.placements[p.persona]).toEqual({ kind: 'vm', host: target.target.host });
      }
      expect(p.rtoSeconds).toBeGreaterThan(0);
      expect(p.rtoSeconds).toBeLessThanOrEqual(seconds + 1);
      expect(p.steps.find((s) => s.name === 'health')?.outcome).toBe('ok');
    }
    // Each planned eviction recorded its occupant placed nowhere (the lab's occupants were off, so
    // there was nothing to shut down), so a later plan sees the machine taken by the restored
    // persona alone.
    expect(plan.evictions.length).toBeGreaterThan(0);
    for (const e of plan.evictions) expect(ledger.placements[e.occupant]).toEqual({ kind: 'none' });

    // Every planned eviction ran (every move completed), and the report lists them from the moves'
    // own steps.
    expect((report.evictions ?? []).map((e) => [e.occupant, e.outcome])).toEqual(
      plan.evictions.map((e) => [e.occupant, 'evicted']),
    );
    // What detect found is in the ledger for every burned machine, moved or not (sandbox-01's
    // m-r1-20 stayed down).
    for (const m of burned)
      expect(ledger.machines[m]).toMatchObject({ power: 'unknown', healthy: false });
    // db-01's old machine is parked: no boot assignment for a persona that runs elsewhere, no VLAN,
    // no LUN.
    const r1 = stack.topology.sites[0]!.machines.find((m) => m.id === 'm-r1-01')!;
    for (const nic of r1.nics) expect(ledger.bootAssignments[nic.mac]).toBeUndefined();
    expect(ledgerLabDisagreements(stack.lab, stack.topology, [ledger])).toEqual([]);

    // db-01 was fenced on the array: its LUNs left the burned machine's initiator before they
    // moved.
    expect(stack.lab.sanView!.lunsVisibleTo('array-1', r1Iqn)).toEqual([]);
    const db01 = report.personas.find((p) => p.persona === 'db-01')!;
    expect(db01.steps.map((s) => s.name)).toContain('fence-source');
    expect(db01.steps.map((s) => s.name)).not.toContain('stop-source');
    expect(stack.lab.machine('m-r1-01').count('off')).toBe(offBefore);

    // Moves ran in parallel, and no BMC, switch, array or site ever had more at once than its
    // limit.
    const usage = report.concurrency ?? [];
    for (const u of usage) expect(u.peak).toBeLessThanOrEqual(u.limit);
    expect(usage.find((u) => u.key === 'site:dc1')?.peak).toBeGreaterThan(1);
    expect(usage.filter((u) => u.key.startsWith('bmc:')).length).toBeGreaterThan(0);

    // Groups ran in priority order, each after the one before had finished.
    const groups = report.groups;
    expect(groups.map((g) => g.priority)).toEqual([...groups.map((g) => g.priority)].sort());
    for (let i = 1; i < groups.length; i += 1)
      expect(Date.parse(groups[i]!.startedAt)).toBeGreaterThanOrEqual(
        Date.parse(groups[i - 1]!.endedAt),
      );
    for (const g of groups) if (g.restored > 0) expect(g.rtoSeconds).toBeGreaterThan(0);
    console.log(
      `site-failover of rack r1: ${restored.length} of 20 restored in ${seconds.toFixed(1)} s; ` +
        `group RTOs ${groups.map((g) => `p${g.priority}=${g.rtoSeconds ?? '-'}s`).join(' ')}; hosts ${report.hosts.map((h) => `${h.machine}:${h.outcome}`).join(' ')}; ` +
        `evictions ${plan.evictions.map((e) => `${e.occupant}@${e.machine}`).join(' ')}; peak moves at once ${usage.find((u) => u.key === 'site:dc1')?.peak}`,
    );
  });
});
