import { TASK_QUEUE } from '../../worker/task-queue';
import { progressQuery } from '../../workflows/run-journal';
import type { RunbookReport } from '../../workflows/runbook-report';
import { watchBmc } from '../support/bmc-watch';
import { ledgerLabDisagreements } from '../support/ledger-lab-check';
import { startFullStack, type FullStack } from '../support/full-stack';
import { seededRandom } from '../support/seeded-random';
import { spawnWorker, type WorkerProcess } from '../support/worker-process';

jest.setTimeout(600_000);

let stack: FullStack;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  stack = await startFullStack({
    noWorker: true,
    timing: { powerDelayMs: 1500, bootMs: 1500, shutdownMs: 500 },
  });
});

afterAll(async () => {
  for (const w of workers) await w.kill('SIGKILL');
  await stack?.stop();
});

async function worker(): Promise<WorkerProcess> {
  const w = await spawnWorker({
    temporal: stack.temporal.address,
    topologyFile: stack.topologyFile,
    secretsFile: stack.lab.secretsFile,
  });
  workers.push(w);
  return w;
}

const KILL_AT = [
  'lease',
  'ports',
  'luns',
  'boot-assignment',
  'boot-device',
  'power-on',
  'health',
  'placement',
];
/**
 * Seeds chosen so that together they kill the worker in ports, masking, power-on and the health
 * wait.
 */
const CASES = [
  { seed: 8, persona: 'app-01', machine: 'm-r1-03' },
  { seed: 12, persona: 'db-01', machine: 'm-r2-03' },
  { seed: 1, persona: 'web-02', machine: 'm-r1-04' },
  { seed: 20, persona: 'web-01', machine: 'm-r2-02' },
];

describe('repurpose survives SIGKILL of its worker at a seeded step', () => {
  it.each(CASES)('seed $seed: $persona onto $machine', async ({ seed, persona, machine }) => {
    const random = seededRandom(seed);
    const killAt = KILL_AT[Math.floor(random() * KILL_AT.length)]!;
    const delayMs = Math.floor(random() * 400);
    const seen = watchBmc(stack.lab.machine(machine));
    let current = await worker();

    const workflowId = `repurpose/${persona}/crash-${seed}`;
    const handle = await stack.temporal.client.workflow.start('repurpose', {
      taskQueue: TASK_QUEUE,
      workflowId,
      args: [{ persona, machine, healthTimeoutSeconds: 120, evictGraceSeconds: 5 }],
    });
    for (let i = 0; i < 600; i += 1) {
      const progress = await handle.query(progressQuery).catch(() => undefined);
      if (progress?.steps.some((s) => s.name === killAt)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, delayMs));
    await current.kill('SIGKILL');
    current = await worker();

    const report = (await handle.result().catch((e: unknown) => {
      const lab = stack.lab.describe() as { machines: Record<string, unknown> };
      throw new Error(
        `killed ${delayMs} ms into "${killAt}": ${(e as Error).message}; BMC saw ${JSON.stringify(seen)}; lab machine: ${JSON.stringify(lab.machines[machine])}`,
      );
    })) as RunbookReport;
    expect(report).toMatchObject({ outcome: 'completed', endedOn: machine });
    // The machine powered on once; every "on" the BMC received came while it was still off
    // (a retried request during the transition is no second effect); nothing cycled or forced it
    // off.
    expect(seen.filter((s) => s.action === 'power-on')).toHaveLength(1);
    expect(seen.filter((s) => s.action === 'on' && s.state === 'on')).toEqual([]);
    expect(seen.filter((s) => s.action === 'cycle' || s.action === 'off')).toEqual([]);
    const ledger = await stack.ledger.snapshot('dc1');
    expect(ledger.placements[persona]).toEqual({ kind: 'machine', machine });
    expect(Object.keys(ledger.leases)).toEqual([]);
    // Whatever step the kill hit, the ledger and the lab agree on every machine (the one the
    // persona left is parked).
    expect(ledgerLabDisagreements(stack.lab, stack.topology, [ledger])).toEqual([]);
    console.log(
      `seed ${seed}: killed the worker ${delayMs} ms into step "${killAt}"; completed with ${report.steps.length} steps`,
    );
    await current.kill('SIGTERM');
  });
});

describe('repurpose survives a crash-restart of the Temporal server on its SQLite file', () => {
  it('batch-01 onto m-r1-02: the server is SIGKILLed while the run waits for health, restarted, and the run completes', async () => {
    const seen = watchBmc(stack.lab.machine('m-r1-02'));
    const w = await worker();
    const workflowId = 'repurpose/batch-01/server-restart';
    const handle = await stack.temporal.client.workflow.start('repurpose', {
      taskQueue: TASK_QUEUE,
      workflowId,
      args: [
        {
          persona: 'batch-01',
          machine: 'm-r1-02',
          healthTimeoutSeconds: 120,
          evictGraceSeconds: 5,
        },
      ],
    });
    for (let i = 0; i < 600; i += 1) {
      const progress = await handle.query(progressQuery).catch(() => undefined);
      if (progress?.steps.some((s) => s.name === 'power-on')) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await stack.temporal.restart({ crash: true, downMs: 1000 });
    const report = (await stack.temporal.client.workflow
      .getHandle(workflowId)
      .result()) as RunbookReport;
    expect(report).toMatchObject({ outcome: 'completed', endedOn: 'm-r1-02' });
    expect(seen.filter((s) => s.action === 'power-on')).toHaveLength(1);
    expect(seen.filter((s) => s.action === 'cycle' || s.action === 'off')).toEqual([]);
    const ledger = await stack.ledger.snapshot('dc1');
    expect(ledger.placements['batch-01']).toEqual({ kind: 'machine', machine: 'm-r1-02' });
    expect(ledgerLabDisagreements(stack.lab, stack.topology, [ledger])).toEqual([]);
    await w.kill('SIGTERM');
  });
});
