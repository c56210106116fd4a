import { Client, type WorkflowExecutionInfo } from '@temporalio/client';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectTemporal } from '../../temporal/connect';
import { LedgerClient } from '../../temporal/ledger-client';
import { NAMESPACE } from '../../worker/task-queue';
import type { FailoverPlan } from '../../workflows/planner/failover-plan';
import type { FailoverReport } from '../../workflows/site-failover/failover-report';
import { startDev, type DevProcess } from '../support/dev-process';
import { ROOT } from '../support/lab-fixtures';
import { ledgerLabDisagreements, type LabMachineView } from '../support/ledger-state';
import { relocatedTopology } from '../support/relocated-topology';

jest.setTimeout(900_000);

const RACK_FIRE = join(ROOT, 'examples', 'rack-fire.yaml');

interface LabState {
  machines: Record<string, LabMachineView>;
  hypervisors?: Record<string, { domains: Record<string, { state: string; boot: { healthy: boolean } | null }> }>;
}

/**
 * The story's crash, at its worst: rack r1 of a seeded rack-fire data center burns, a
 * site-failover runs, and the whole `rackshift dev` process tree (API, worker, Temporal dev
 * server, lab) is SIGKILLed with moves in flight. Started again on the same data folder, the
 * lab is as it was (r1 still dark, the half-done moves' ports, masks and power as they were),
 * the run goes on and restores what its plan promised.
 */
describe('a site-failover survives a SIGKILL of the whole rackshift dev stack', () => {
  let dev: DevProcess | undefined;
  const connections: Array<{ close(): Promise<void> }> = [];

  afterAll(async () => {
    await dev?.crash();
    for (const c of connections) await c.close();
  });

  async function client(address: string): Promise<Client> {
    const connection = await connectTemporal({ address });
    connections.push(connection);
    return new Client({ connection, namespace: NAMESPACE });
  }

  it('rack r1 burns; the stack dies mid-failover; restarted on the same data folder, the run completes and the lab agrees', async () => {
    const { file, freePort } = await relocatedTopology(RACK_FIRE);
    const data = mkdtempSync(join(tmpdir(), 'rackshift-dev-crash-'));
    const [api, temporalPort, ui, labPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
    // No site guard: this test starts the failover itself, and a guard would start its own for the burned rack.
    const args = ['--data', data, '--topology', file, '--api-port', String(api), '--temporal-port', String(temporalPort), '--ui-port', String(ui), '--lab-port', String(labPort), '--no-guard'];
    const temporal = `127.0.0.1:${temporalPort}`;
    const labState = async (): Promise<LabState> => (await (await fetch(`http://127.0.0.1:${labPort}/lab/state`)).json()) as LabState;

    dev = await startDev(args);
    await dev.waitFor(/seed: (\d+) of \1 persona\(s\) running at home/, 300_000);
    const before = await client(temporal);
    expect(ledgerLabDisagreements(await new LedgerClient(before).snapshot('dc1'), (await labState()).machines)).toEqual([]);

    const burn = await fetch(`http://127.0.0.1:${labPort}/lab/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"fault":"burn-rack","rack":"r1"}' });
    const burned = ((await burn.json()) as { machines: string[] }).machines;
    expect(burned).toHaveLength(20);
    const token = readFileSync(join(data, 'admin.token'), 'utf8').trim();
    const started = Date.now();
    const res = await fetch(`http://127.0.0.1:${api}/api/v1/runbooks/site-failover/runs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ input: { racks: ['r1'], healthTimeoutSeconds: 180, powerTimeoutSeconds: 60 } }),
    });
    expect(res.status).toBe(202);
    const { runId: failoverId } = (await res.json()) as { runId: string };

    // Mid-failover: some moves finished, others running (their ports, masks and power half changed).
    const children = async (c: Client, status: string): Promise<WorkflowExecutionInfo[]> => {
      const out: WorkflowExecutionInfo[] = [];
      for await (const w of c.workflow.list({ query: `WorkflowId STARTS_WITH '${failoverId}/' AND ExecutionStatus = '${status}'` })) out.push(w);
      return out;
    };
    let running: WorkflowExecutionInfo[] = [];
    let done: WorkflowExecutionInfo[] = [];
    for (let i = 0; i < 3000 && (running.length === 0 || done.length === 0); i += 1) {
      [running, done] = [await children(before, 'Running'), await children(before, 'Completed')];
      if (running.length === 0 || done.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect({ running: running.length > 0, done: done.length > 0 }).toEqual({ running: true, done: true });
    await dev.crash();
    const crashedAt = Date.now();

    dev = await startDev(args);
    expect(dev.output()).toContain('the lab keeps the state it had at');
    expect(dev.output()).not.toContain('seed:');
    const after = await client(temporal);
    const restarted = await labState();
    // The fire did not go out, and a dedicated machine no run touches kept running what it ran.
    for (const m of burned) expect({ m, dark: restarted.machines[m]?.dark }).toEqual({ m, dark: true });
    expect(restarted.machines['m-r3-04']).toMatchObject({ power: 'on', boot: { healthy: true, persona: 'ldap-01' } });

    const report = (await after.workflow.getHandle(failoverId).result()) as FailoverReport;
    const plan = report.plan as FailoverPlan;
    expect(report.outcome).toBe('completed');
    expect(report.hosts.filter((h) => h.outcome !== 'up')).toEqual([]);
    expect(report.personas.filter((p) => p.outcome === 'failed').map((p) => `${p.persona}: ${p.error?.message ?? p.reason ?? ''}`)).toEqual([]);
    expect(report.personas.filter((p) => p.priority <= 2 && p.outcome !== 'restored').map((p) => p.persona)).toEqual([]);

    // The lab agrees with the report, and the ledger with the lab, on every machine the plan used.
    const final = await labState();
    const targets = new Set<string>();
    for (const p of report.personas.filter((x) => x.outcome === 'restored')) {
      const r = plan.restorations.find((x) => x.persona === p.persona);
      if (r?.outcome !== 'restored') throw new Error(`${p.persona} is restored but the plan does not restore it`);
      if (r.target.kind === 'machine') {
        targets.add(r.target.machine);
        expect({ p: p.persona, boot: final.machines[r.target.machine]?.boot }).toEqual({ p: p.persona, boot: { healthy: true, persona: p.persona } });
      } else {
        expect({ p: p.persona, vm: final.hypervisors?.[r.target.host]?.domains[p.persona] }).toMatchObject({ p: p.persona, vm: { state: 'running', boot: { healthy: true } } });
      }
    }
    expect(ledgerLabDisagreements(await new LedgerClient(after).snapshot('dc1'), final.machines, targets)).toEqual([]);
    console.log(
      `dev crash mid-failover: killed ${((crashedAt - started) / 1000).toFixed(1)} s in with ${running.length} move(s) running and ${done.length} done; ` +
        `completed ${report.personas.filter((p) => p.outcome === 'restored').length} of ${plan.restorations.length} restored ` +
        `${((Date.now() - crashedAt) / 1000).toFixed(1)} s after the kill`,
    );
    expect(await dev.stop()).toBe(0);
    dev = undefined;
  });
});
