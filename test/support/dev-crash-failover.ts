import { Client } from '@temporalio/client';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probe } from '../../drivers/health/health-probe';
import type { LedgerState } from '../../inventory/ledger-records';
import type { Topology } from '../../inventory/topology-schema';
import { connectTemporal } from '../../temporal/connect';
import { LedgerClient } from '../../temporal/ledger-client';
import { NAMESPACE } from '../../worker/task-queue';
import type { FailoverPlan } from '../../domain/planner/failover-plan';
import type { FailoverReport } from '../../workflows/site-failover/failover-report';
import { startDev, type DevProcess } from './dev-process';
import { childRuns, expectEachChildStartedOnce } from './failover-children';
import { readLab, type RemoteLab } from './lab-reading';
import { ledgerLabDisagreements } from './ledger-lab-check';
import { relocatedTopology } from './relocated-topology';

/** One crash of the whole `rackshift dev` stack in the middle of a rack r1 failover. */
export interface DevCrashCase {
  /** The example topology (relocated to free ports). */
  readonly source: string;
  /** site-failover input besides `racks: ['r1']`. */
  readonly input?: Readonly<Record<string, unknown>>;
  /**
   * The kill moment, from the failover's child runs (ids without the failover's prefix): running
   * and completed.
   */
  readonly killWhen: (running: readonly string[], done: readonly string[]) => boolean;
}

/**
 * What the crash and the resumed run left, for the suite's own checks (the shared ones are done).
 */
export interface DevCrashOutcome {
  readonly topology: Topology;
  readonly burned: readonly string[];
  readonly report: FailoverReport;
  readonly plan: FailoverPlan;
  /** The lab just after the restart, before the run went on. */
  readonly restarted: RemoteLab;
  readonly final: RemoteLab;
  readonly ledger: LedgerState;
  /** Children running and completed at the kill (ids without the failover's prefix). */
  readonly running: readonly string[];
  readonly done: readonly string[];
  readonly killedAfterSeconds: number;
  readonly completedAfterKillSeconds: number;
}

/**
 * The harness of the dev-crash chaos suites: a seeded data center (`rackshift dev` on a fresh
 * folder puts every persona home), rack r1 burned, a site-failover through the API, the whole
 * `rackshift dev` process group (API, worker, Temporal dev server, lab) SIGKILLed at the case's
 * moment, `rackshift dev` started again on the same data folder. It checks what every such crash
 * must leave: the restart seeds nothing and keeps the lab (r1 still dark), the run completes
 * with every host up and nothing failed, each restored persona runs where the plan put it
 * (bare metal: the machine's OS; VM: a running domain with a healthy guest) and answers its own
 * health check, the ledger and the lab agree on every machine (test/support/ledger-lab-check),
 * and each child run was started once. `cleanup` in afterAll.
 */
export function devCrashHarness(): {
  crashMidFailover(c: DevCrashCase): Promise<DevCrashOutcome>;
  cleanup(): Promise<void>;
} {
  let dev: DevProcess | undefined;
  const connections: Array<{ close(): Promise<void> }> = [];
  const client = async (address: string): Promise<Client> => {
    const connection = await connectTemporal({ address });
    connections.push(connection);
    return new Client({ connection, namespace: NAMESPACE });
  };

  async function crashMidFailover(c: DevCrashCase): Promise<DevCrashOutcome> {
    const { file, topology, freePort } = await relocatedTopology(c.source);
    const data = mkdtempSync(join(tmpdir(), 'rackshift-dev-crash-'));
    const [api, temporalPort, ui, labPort] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    // No site guard: these tests start the failover themselves, and a guard would start its own for
    // the burned rack.
    const args = [
      '--data',
      data,
      '--topology',
      file,
      '--api-port',
      String(api),
      '--temporal-port',
      String(temporalPort),
      '--ui-port',
      String(ui),
      '--lab-port',
      String(labPort),
      '--no-guard',
    ];
    const temporal = `127.0.0.1:${temporalPort}`;
    const labUrl = `http://127.0.0.1:${labPort}`;

    dev = await startDev(args);
    await dev.waitFor(/seed: \d+ of \d+ persona\(s\) running at home/, 420_000);
    // Every persona home, or the output naming the one that is not (its seed run and why).
    expect(dev.output()).toMatch(/seed: (\d+) of \1 persona\(s\) running at home/);
    const before = await client(temporal);
    expect(
      ledgerLabDisagreements(await readLab(labUrl), topology, [
        await new LedgerClient(before).snapshot('dc1'),
      ]),
    ).toEqual([]);

    const burn = await fetch(`${labUrl}/lab/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"fault":"burn-rack","rack":"r1"}',
    });
    const burned = ((await burn.json()) as { machines: string[] }).machines;
    expect(burned).toHaveLength(20);
    const token = readFileSync(join(data, 'admin.token'), 'utf8').trim();
    const started = Date.now();
    const res = await fetch(`http://127.0.0.1:${api}/api/v1/runbooks/site-failover/runs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        input: { racks: ['r1'], healthTimeoutSeconds: 180, powerTimeoutSeconds: 60, ...c.input },
      }),
    });
    expect(res.status).toBe(202);
    const { runId: failoverId } = (await res.json()) as { runId: string };

    const ids = async (status: string): Promise<string[]> =>
      (
        await childRuns(
          { temporal: { client: before } },
          failoverId,
          ` AND ExecutionStatus = '${status}'`,
        )
      ).map((w) => w.workflowId.slice(failoverId.length + 1));
    let running: string[] = [];
    let done: string[] = [];
    for (let i = 0; i < 3000 && !c.killWhen(running, done); i += 1) {
      [running, done] = [await ids('Running'), await ids('Completed')];
      if (!c.killWhen(running, done)) await new Promise((r) => setTimeout(r, 100));
    }
    if (!c.killWhen(running, done))
      throw new Error(
        `never saw the kill moment: running ${running.join(', ')}; done ${done.join(', ')}`,
      );
    await dev.crash();
    const killedAt = Date.now();

    dev = await startDev(args);
    expect(dev.output()).toContain('the lab keeps the state it had at');
    expect(dev.output()).not.toContain('seed:');
    const after = await client(temporal);
    const restarted = await readLab(labUrl);
    // The fire did not go out.
    for (const m of burned)
      expect({ m, dark: restarted.machine(m).dark }).toEqual({ m, dark: true });

    const report = (await after.workflow.getHandle(failoverId).result()) as FailoverReport;
    const completedAfterKillSeconds = (Date.now() - killedAt) / 1000;
    const plan = report.plan as FailoverPlan;
    expect(report.outcome).toBe('completed');
    expect(report.hosts.map((h) => [h.machine, h.outcome]).sort()).toEqual(
      plan.hypervisorHosts.map((h) => [h.machine, 'up']).sort(),
    );
    expect(
      report.personas
        .filter((p) => p.outcome === 'failed')
        .map((p) => `${p.persona}: ${p.error?.message ?? p.reason ?? ''}`),
    ).toEqual([]);

    // Each restored persona runs where the plan put it and answers its own health check.
    const final = await readLab(labUrl);
    const promised = plan.restorations.filter((r) => r.outcome === 'restored');
    expect(
      report.personas
        .filter((p) => p.outcome === 'restored')
        .map((p) => p.persona)
        .sort(),
    ).toEqual(promised.map((r) => r.persona).sort());
    for (const r of promised) {
      if (r.target.kind === 'machine') {
        expect({ p: r.persona, boot: final.machines[r.target.machine]?.boot }).toEqual({
          p: r.persona,
          boot: { healthy: true, persona: r.persona },
        });
      } else {
        expect({
          p: r.persona,
          vm: final.hypervisors[r.target.host]?.domains[r.persona],
        }).toMatchObject({ p: r.persona, vm: { state: 'running', boot: { healthy: true } } });
      }
      const check = topology.personas.find((p) => p.name === r.persona)!.health!;
      expect({ p: r.persona, healthy: (await probe(check, { timeoutMs: 3000 })).healthy }).toEqual({
        p: r.persona,
        healthy: true,
      });
    }
    const ledger = await new LedgerClient(after).snapshot('dc1');
    expect(ledgerLabDisagreements(final, topology, [ledger])).toEqual([]);
    await expectEachChildStartedOnce({ temporal: { client: after } }, failoverId, plan);

    expect(await dev.stop()).toBe(0);
    dev = undefined;
    return {
      topology,
      burned,
      report,
      plan,
      restarted,
      final,
      ledger,
      running,
      done,
      killedAfterSeconds: (killedAt - started) / 1000,
      completedAfterKillSeconds,
    };
  }

  return {
    crashMidFailover,
    async cleanup() {
      await dev?.crash();
      for (const c of connections) await c.close();
    },
  };
}
