import { TASK_QUEUE } from '../../worker/task-queue';
import type { RunbookReport } from '../../workflows/runbook-report';
import { startFullStack, type FullStack } from '../support/full-stack';

jest.setTimeout(300_000);

let stack: FullStack;

beforeAll(async () => {
  stack = await startFullStack();
});

afterAll(async () => {
  await stack?.stop();
});

const repurpose = (workflowId: string, input: unknown) =>
  stack.temporal.client.workflow.execute('repurpose', {
    taskQueue: TASK_QUEUE,
    workflowId,
    args: [input],
  }) as Promise<RunbookReport>;

describe('repurpose from a dark source (a disaster failover move)', () => {
  it("sets the new machine's ports while the dark source's ports are shut, and powers on only after", async () => {
    const source = 'm-r1-03';
    await repurpose('repurpose/web-01/dark-1', {
      persona: 'web-01',
      machine: source,
      healthTimeoutSeconds: 60,
    });
    // The rack's machines go dark (its switch still answers), as in a rack fire.
    stack.lab.burnRack('r1');
    const report = await repurpose('repurpose/web-01/dark-2', {
      persona: 'web-01',
      machine: 'm-r2-03',
      sourceDown: true,
      healthTimeoutSeconds: 60,
    });
    expect(report.outcome).toBe('completed');
    const step = (name: string) => {
      const s = report.steps.find((x) => x.name === name);
      if (s === undefined) throw new Error(`no ${name} step in ${JSON.stringify(report.steps)}`);
      return { start: Date.parse(s.startedAt), end: Date.parse(s.endedAt ?? s.startedAt) };
    };
    // Its LUNs are fenced before anything else; the rest of its parking runs beside the bring-up.
    expect(step('fence-source').end).toBeLessThanOrEqual(step('ports').start);
    expect(step('ports').start).toBeLessThan(step('shut-ports').end);
    expect(step('shut-ports').end).toBeLessThanOrEqual(step('power-on').start);
    // web-01 runs on its machine's first NIC (test/e2e/repurpose.test.ts): shut and parked.
    const nic = stack.topology.sites[0]!.machines.find((m) => m.id === source)!.nics[0]!;
    expect(stack.lab.switchView!.portState(nic.switch, nic.port)).toMatchObject({ shutdown: true });
    expect(stack.lab.machine(report.endedOn!).bootResult).toMatchObject({
      healthy: true,
      persona: 'web-01',
    });
  });
});
