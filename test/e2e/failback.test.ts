import { WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { TASK_QUEUE, NAMESPACE } from '../../worker/task-queue';
import type { FailbackReport } from '../../workflows/failback/failback-report';
import { progressQuery } from '../../workflows/run-journal';
import type { FailoverReport } from '../../workflows/site-failover/failover-report';
import type { FullStack } from '../support/full-stack';
import { labHardwareState } from '../support/lab-snapshot';
import { ledgerFacts } from '../support/ledger-state';
import { bringUpHost, healthOf, HOST, runbook, startP2vStack } from '../support/p2v-stack';
import { labVms } from '../support/vm-on-host';

jest.setTimeout(300_000);

const FAKES = 'failback-test-fakes';

let stack: FullStack;
let fakes: { worker: Worker; connection: NativeConnection; done: Promise<void> };
let seq = 0;

beforeAll(async () => {
  stack = await startP2vStack();
  const connection = await NativeConnection.connect({ address: stack.temporal.address });
  const worker = await Worker.create({
    connection,
    namespace: NAMESPACE,
    taskQueue: FAKES,
    workflowsPath: require.resolve('../support/fake-failover-workflows'),
  });
  fakes = { worker, connection, done: worker.run() };
});

afterAll(async () => {
  if (fakes) {
    fakes.worker.shutdown();
    await fakes.done;
    await fakes.connection.close();
  }
  await stack?.stop();
});

const TIMEOUTS = { graceSeconds: 5, healthTimeoutSeconds: 60, powerTimeoutSeconds: 30 };
const failbackId = (what: string): string => `failback/${what}/t${++seq}`;
const failback = (workflowId: string, input: Record<string, unknown>): Promise<FailbackReport> =>
  stack.temporal.client.workflow.execute('failback', {
    taskQueue: TASK_QUEUE,
    workflowId,
    args: [{ ...TIMEOUTS, ...input }],
  }) as Promise<FailbackReport>;

const machine = (id: string) => stack.topology.sites[0]!.machines.find((m) => m.id === id)!;
const iqn = (id: string): string => machine(id).storage.iqn!;
const holders = (lun: string): string[] =>
  (
    stack.lab.describe() as {
      arrays: Record<string, { luns: Record<string, { initiators: string[] }> }>;
    }
  ).arrays['array-1']!.luns[lun]?.initiators ?? [];
const power = (id: string): string => stack.lab.machine(id).powerState;
/**
 * A run's type and status, or 'none' (read directly, not through eventually consistent visibility).
 */
const runOf = async (workflowId: string): Promise<string> => {
  try {
    const d = await stack.temporal.client.workflow.getHandle(workflowId).describe();
    return `${d.type} ${d.status.name}`;
  } catch (e) {
    if (e instanceof WorkflowNotFoundError) return 'none';
    throw e;
  }
};

async function moveAway(persona: string, to: string): Promise<void> {
  const r = await runbook(stack, 'repurpose', 'repurpose', {
    persona,
    machine: to,
    healthTimeoutSeconds: 60,
  });
  if (r.outcome !== 'completed' || r.endedOn !== to)
    throw new Error(`repurpose of ${persona} onto ${to} ended ${r.outcome} on ${r.endedOn}`);
}

/**
 * A FailoverReport as a site-failover run returns it: `restored` personas, hosts it brought up,
 * evictions.
 */
function failoverReport(
  restored: Array<[string, string]>,
  hosts: string[],
  evictions: Array<{ machine: string; occupant: string; for: string }>,
): FailoverReport {
  const at = new Date().toISOString();
  return {
    runbook: 'site-failover',
    mode: 'disaster',
    outcome: 'completed',
    startedAt: at,
    endedAt: at,
    failedMachines: ['m-r2-01'],
    hosts: hosts.map((m) => ({
      machine: m,
      outcome: 'up',
      run: `fake/host/${m}`,
      startedAt: at,
      endedAt: at,
    })),
    personas: [
      ...restored.map(([persona, endedOn]) => ({
        persona,
        priority: 2,
        outcome: 'restored' as const,
        endedOn,
        steps: [],
      })),
      {
        persona: 'app-01',
        priority: 3,
        outcome: 'not-restored' as const,
        steps: [],
        reason: 'no-capacity',
      },
    ],
    groups: [],
    notRestored: [{ persona: 'app-01', reason: 'no-capacity', detail: 'test' }],
    plan: {
      failedMachines: ['m-r2-01'],
      restorations: [],
      hypervisorHosts: [],
      evictions: evictions.map((e) => ({ ...e, occupantPriority: 5 })),
      groups: [],
      tally: [],
      search: { nodes: 1, optimal: true },
    },
  };
}

describe('failback {personas} (full lab)', () => {
  it('brings web-01 from a DR machine back to its home machine; the DR machine is left off and idle', async () => {
    await moveAway('web-01', 'm-r1-03');
    expect(power('m-r2-01')).toBe('off');

    const id = failbackId('web-01');
    const started = Date.now();
    const report = await failback(id, { personas: ['web-01'] });
    const elapsed = Date.now() - started;
    expect(report).toMatchObject({
      runbook: 'failback',
      outcome: 'completed',
      hosts: [],
      evicted: [],
    });
    expect(report.personas).toEqual([
      expect.objectContaining({
        persona: 'web-01',
        outcome: 'returned',
        from: 'm-r1-03',
        to: 'm-r2-01',
        run: `${id}/web-01`,
      }),
    ]);
    expect(report.personas[0]!.steps.map((s) => s.name)).toEqual(
      expect.arrayContaining([
        'choose-machine',
        'lease',
        'stop-source',
        'unmask-source',
        'ports',
        'luns',
        'boot-assignment',
        'power-on',
        'health',
        'placement',
      ]),
    );
    expect(report.machines).toEqual([
      { machine: 'm-r1-03', persona: 'web-01', power: 'off', role: 'idle' },
    ]);

    // At home, for real: the lab machine runs it, only its home sees its LUN, the DR machine is
    // off.
    expect(await healthOf(stack, 'web-01')).toContain('web-01');
    expect(stack.lab.machine('m-r2-01').bootResult).toMatchObject({
      healthy: true,
      persona: 'web-01',
    });
    expect(power('m-r2-01')).toBe('on');
    expect(power('m-r1-03')).toBe('off');
    expect(holders('web-01-boot')).toEqual([iqn('m-r2-01')]);
    const ledger = await stack.ledger.snapshot('dc1');
    expect(ledger.placements['web-01']).toEqual({ kind: 'machine', machine: 'm-r2-01' });
    expect(ledger.machines['m-r2-01']).toMatchObject({
      power: 'on',
      role: 'persona',
      healthy: true,
    });
    expect(ledger.machines['m-r1-03']).toMatchObject({ power: 'off', role: 'idle' });
    expect(ledger.leases).toEqual({});

    // The move is a child run whose id derives from the failback's; the progress query holds the
    // report.
    expect(await runOf(`${id}/web-01`)).toBe('repurpose COMPLETED');
    const progress = await stack.temporal.client.workflow.getHandle(id).query(progressQuery);
    expect(progress).toMatchObject({ runbook: 'failback', state: 'completed', report });
    console.log(
      `failback web-01 m-r1-03 → m-r2-01: ${elapsed} ms (report durationMs ${report.durationMs})`,
    );
  });

  it('a persona already at home is left alone: no child run, hardware and ledger unchanged', async () => {
    const before = labHardwareState(stack.lab);
    const ledgerBefore = ledgerFacts(await stack.ledger.snapshot('dc1'));
    const id = failbackId('home');
    // web-01 is placed at home; db-01 was never moved (no ledger record: its LUNs say where it
    // runs).
    const report = await failback(id, { personas: ['web-01', 'db-01'] });
    expect(report).toMatchObject({ outcome: 'completed', hosts: [], machines: [] });
    expect(report.personas).toEqual([
      { persona: 'web-01', outcome: 'already-home', from: 'm-r2-01', to: 'm-r2-01', steps: [] },
      { persona: 'db-01', outcome: 'already-home', from: 'm-r1-01', to: 'm-r1-01', steps: [] },
    ]);
    expect(await runOf(`${id}/web-01`)).toBe('none');
    expect(await runOf(`${id}/db-01`)).toBe('none');
    expect(labHardwareState(stack.lab)).toEqual(before);
    expect(ledgerFacts(await stack.ledger.snapshot('dc1'))).toEqual(ledgerBefore);
  });

  it('one persona failing does not stop the others: web-01 never boots at home (undone, still on its DR machine), batch-01 comes home', async () => {
    await moveAway('web-01', 'm-r1-03');
    await moveAway('batch-01', 'm-r1-04');
    stack.lab.machine('m-r2-01').bootHangs = true;
    const id = failbackId('two');
    const report = await failback(id, {
      personas: ['web-01', 'batch-01', 'web-02'],
      parallel: 2,
      healthTimeoutSeconds: 8,
    }).finally(() => {
      stack.lab.machine('m-r2-01').bootHangs = false;
    });
    expect(report.outcome).toBe('partial');
    const [web01, batch01, web02] = report.personas;
    expect(web01).toMatchObject({
      persona: 'web-01',
      outcome: 'failed',
      from: 'm-r1-03',
      to: 'm-r2-01',
      run: `${id}/web-01`,
      error: { message: expect.stringContaining('web-01 is not healthy after 8s') },
    });
    expect(web01!.steps.find((s) => s.name === 'health')).toMatchObject({ outcome: 'failed' });
    expect(batch01).toMatchObject({
      persona: 'batch-01',
      outcome: 'returned',
      from: 'm-r1-04',
      to: 'm-r1-02',
    });
    expect(web02).toEqual({
      persona: 'web-02',
      outcome: 'failed',
      steps: [],
      error: {
        type: 'ValidationError',
        message: 'web-02 has no home in the topology: nowhere to bring it back to',
      },
    });
    expect(report.machines).toEqual([
      { machine: 'm-r1-04', persona: 'batch-01', power: 'off', role: 'idle' },
    ]);

    // The failed move was undone by its own saga: web-01 runs where it ran, its home is off again.
    expect(await healthOf(stack, 'web-01')).toContain('web-01');
    expect(holders('web-01-boot')).toEqual([iqn('m-r1-03')]);
    expect(power('m-r2-01')).toBe('off');
    expect(power('m-r1-02')).toBe('on');
    expect(power('m-r1-04')).toBe('off');
    expect(holders('batch-01-boot')).toEqual([iqn('m-r1-02')]);
    const ledger = await stack.ledger.snapshot('dc1');
    expect(ledger.placements).toMatchObject({
      'web-01': { kind: 'machine', machine: 'm-r1-03' },
      'batch-01': { kind: 'machine', machine: 'm-r1-02' },
    });
    expect(ledger.leases).toEqual({});
  });

  it('a persona running as a VM comes home with v2p, and the host it left (no VMs, nobody’s home) is released', async () => {
    await bringUpHost(stack);
    const moved = await runbook(stack, 'p2v', 'p2v', {
      persona: 'web-01',
      mode: 'san',
      host: HOST,
      graceSeconds: 5,
      healthTimeoutSeconds: 60,
    });
    expect(moved).toMatchObject({ outcome: 'completed', endedOn: `vm@${HOST}` });

    const id = failbackId('vm');
    const report = await failback(id, { personas: ['web-01'] });
    expect(report).toMatchObject({ outcome: 'completed', machines: [] });
    expect(report.personas).toEqual([
      expect.objectContaining({
        persona: 'web-01',
        outcome: 'returned',
        from: `vm@${HOST}`,
        to: 'm-r2-01',
        run: `${id}/web-01`,
      }),
    ]);
    expect(report.personas[0]!.steps.map((s) => s.name)).toEqual(
      expect.arrayContaining(['stop-vm', 'remove-vm', 'unmask-host', 'power-on', 'health']),
    );
    expect(report.hosts).toEqual([
      { machine: HOST, cluster: 'cluster-a', outcome: 'released', run: `${id}/release/${HOST}` },
    ]);
    expect(await runOf(`${id}/web-01`)).toBe('v2p COMPLETED');
    expect(await runOf(`${id}/release/${HOST}`)).toBe('release COMPLETED');

    expect(await healthOf(stack, 'web-01')).toContain('web-01');
    expect(holders('web-01-boot')).toEqual([iqn('m-r2-01')]);
    expect(labVms(stack, HOST)).toEqual({});
    expect(power(HOST)).toBe('off');
    expect(stack.lab.sanView!.lunsVisibleTo('array-1', iqn(HOST))).toEqual([]);
    const ledger = await stack.ledger.snapshot('dc1');
    expect(ledger.placements).toMatchObject({ 'web-01': { kind: 'machine', machine: 'm-r2-01' } });
    expect(ledger.placements['cluster-a']).toBeUndefined();
    expect(ledger.machines[HOST]).toMatchObject({ role: 'idle', power: 'off' });
    for (const nic of machine(HOST).nics) expect(ledger.bootAssignments[nic.mac]).toBeUndefined();
    expect(ledger.leases).toEqual({});
  });
});

describe('failback {run} (the report of a run, read through the Temporal client)', () => {
  const startFake = async (workflowType: string, report: FailoverReport): Promise<string> => {
    const workflowId = `site-failover/dc1/fake-${workflowType.toLowerCase()}-${++seq}`;
    await stack.temporal.client.workflow.execute(workflowType, {
      taskQueue: FAKES,
      workflowId,
      args: [report],
    });
    return workflowId;
  };

  it('brings back what a site-failover run restored, waking a home the failover recorded dark, and releases the host it brought up', async () => {
    await moveAway('web-01', 'm-r1-04');
    await bringUpHost(stack);
    // What a disaster failover records of a machine it found dark; no run may take it until it
    // answers again.
    await stack.ledger.setMachine('dc1', {
      holder: 'test/disaster',
      machine: 'm-r2-01',
      power: 'unknown',
      role: 'idle',
      healthy: false,
    });
    const run = await startFake(
      'siteFailover',
      failoverReport(
        [['web-01', 'm-r1-04']],
        [HOST],
        [{ machine: 'm-r1-02', occupant: 'batch-01', for: 'web-01' }],
      ),
    );

    const id = failbackId('run');
    const report = await failback(id, { run });
    expect(report).toMatchObject({
      runbook: 'failback',
      run,
      outcome: 'completed',
      evicted: [{ persona: 'batch-01', machine: 'm-r1-02' }],
    });
    expect(report.personas).toEqual([
      expect.objectContaining({
        persona: 'web-01',
        outcome: 'returned',
        from: 'm-r1-04',
        to: 'm-r2-01',
      }),
    ]);
    expect(report.hosts).toEqual([
      { machine: HOST, cluster: 'cluster-a', outcome: 'released', run: `${id}/release/${HOST}` },
    ]);
    expect(report.machines).toEqual([
      { machine: 'm-r1-04', persona: 'web-01', power: 'off', role: 'idle' },
    ]);
    const progress = await stack.temporal.client.workflow.getHandle(id).query(progressQuery);
    expect(progress.steps.map((s) => s.name)).toEqual(
      expect.arrayContaining([
        'read-run',
        'homes',
        'locate',
        'wake-home',
        'move',
        'host',
        'release-host',
        'left-machines',
      ]),
    );
    expect(progress.steps.find((s) => s.name === 'wake-home')).toMatchObject({
      outcome: 'ok',
      detail: 'answers; power off',
    });

    expect(await healthOf(stack, 'web-01')).toContain('web-01');
    expect(power(HOST)).toBe('off');
    const ledger = await stack.ledger.snapshot('dc1');
    expect(ledger.placements['web-01']).toEqual({ kind: 'machine', machine: 'm-r2-01' });
    expect(ledger.machines['m-r2-01']).toMatchObject({
      power: 'on',
      role: 'persona',
      healthy: true,
    });
    expect(ledger.machines[HOST]).toMatchObject({ role: 'idle', power: 'off' });
    expect(ledger.leases).toEqual({});
  });

  it('refuses a run that is not a site-failover run (even one returning a failover report), and one that does not exist; nothing changes', async () => {
    const before = labHardwareState(stack.lab);
    const ledgerBefore = ledgerFacts(await stack.ledger.snapshot('dc1'));
    const run = await startFake('notAFailover', failoverReport([['web-01', 'm-r1-04']], [], []));
    const refused = async (
      input: Record<string, unknown>,
    ): Promise<{ type?: string; message: string }> => {
      const e = await failback(failbackId('refused'), input).catch((err: unknown) => err);
      expect(e).toBeInstanceOf(WorkflowFailedError);
      return (e as WorkflowFailedError).cause as unknown as { type?: string; message: string };
    };
    expect(await refused({ run })).toMatchObject({
      type: 'NotAFailoverRunError',
      message: `failback of ${run} refused: ${run} is not a site-failover run to fail back from: it is a notAFailover run, not a siteFailover run`,
    });
    expect(await refused({ run: 'site-failover/dc1/never-ran' })).toMatchObject({
      type: 'NotAFailoverRunError',
      message: expect.stringContaining('Temporal knows no workflow with this id'),
    });
    expect(labHardwareState(stack.lab)).toEqual(before);
    expect(ledgerFacts(await stack.ledger.snapshot('dc1'))).toEqual(ledgerBefore);
  });
});

describe('failback after a real site-failover run', () => {
  it('web-01’s home goes dark, site-failover restores it on a spare (fencing the home); once the home is back, failback {run} returns it', async () => {
    const failoverId = `site-failover/dc1/t${++seq}`;
    stack.lab.machine('m-r2-01').setDark(true);
    let failover: FailoverReport;
    try {
      failover = (await stack.temporal.client.workflow.execute('siteFailover', {
        taskQueue: TASK_QUEUE,
        workflowId: failoverId,
        args: [{ machines: ['m-r2-01'], ...TIMEOUTS }],
      })) as FailoverReport;
    } finally {
      stack.lab.machine('m-r2-01').setDark(false);
    }
    const restored = failover.personas.find((p) => p.persona === 'web-01');
    expect(restored).toMatchObject({ outcome: 'restored' });
    const dr = restored!.endedOn!;
    expect((await stack.ledger.snapshot('dc1')).machines['m-r2-01']).toMatchObject({
      power: 'unknown',
      healthy: false,
    });

    const id = failbackId('after-failover');
    const report = await failback(id, { run: failoverId });
    expect(report).toMatchObject({ run: failoverId, outcome: 'completed' });
    expect(report.personas).toEqual([
      expect.objectContaining({
        persona: 'web-01',
        outcome: 'returned',
        from: dr,
        to: 'm-r2-01',
        run: `${id}/web-01`,
      }),
    ]);
    expect(await healthOf(stack, 'web-01')).toContain('web-01');
    expect(stack.lab.machine('m-r2-01').bootResult).toMatchObject({
      healthy: true,
      persona: 'web-01',
    });
    expect(holders('web-01-boot')).toEqual([iqn('m-r2-01')]);
    const ledger = await stack.ledger.snapshot('dc1');
    expect(ledger.placements['web-01']).toEqual({ kind: 'machine', machine: 'm-r2-01' });
    if (!dr.startsWith('vm@')) {
      expect(report.machines).toEqual([
        { machine: dr, persona: 'web-01', power: 'off', role: 'idle' },
      ]);
      expect(power(dr)).toBe('off');
    }
    expect(ledger.leases).toEqual({});
    console.log(
      `site-failover → ${dr}, failback → m-r2-01 in ${report.durationMs} ms; steps ${(await stack.temporal.client.workflow.getHandle(id).query(progressQuery)).steps.map((s) => s.name).join(' ')}`,
    );
  });
});
