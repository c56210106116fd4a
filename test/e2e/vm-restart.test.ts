import { TASK_QUEUE } from '../../worker/task-queue';
import type { RunbookReport } from '../../workflows/runbook-report';
import { progressQuery } from '../../workflows/run-journal';
import type { FailoverReport } from '../../workflows/site-failover/failover-report';
import type { GuardStatus } from '../../workflows/site-guard/guard-messages';
import { startFullStack, type FullStack } from '../support/full-stack';
import { ledgerLabDisagreements } from '../support/ledger-lab-check';
import { stackApi } from '../support/stack-api';
import { labVms } from '../support/vm-on-host';
import { vmRestartTopology } from '../support/vm-restart-topology';

jest.setTimeout(900_000);

const TOPOLOGY = vmRestartTopology();
const HOSTS = ['m-r2-01', 'm-r2-02', 'm-r2-03', 'm-r3-05'];

let stack: FullStack;
const api = stackApi(() => stack);

const run = <T>(workflow: string, id: string, input: Record<string, unknown>): Promise<T> =>
  stack.temporal.client.workflow.execute(workflow, {
    taskQueue: TASK_QUEUE,
    workflowId: id,
    args: [input],
  }) as Promise<T>;

const iqn = (m: string): string =>
  stack.topology.sites[0]!.machines.find((x) => x.id === m)!.storage.iqn!;
const lunsSeenBy = (m: string): readonly string[] =>
  stack.lab.sanView!.lunsVisibleTo('array-1', iqn(m));

async function asVm(persona: string, host: string): Promise<void> {
  const r = await run<RunbookReport>('p2v', `p2v/${persona}/setup`, {
    persona,
    host,
    mode: 'san',
    healthTimeoutSeconds: 120,
  });
  expect(r.endedOn).toBe(`vm@${host}`);
}

async function agree(): Promise<void> {
  const ledgers = await Promise.all(stack.topology.sites.map((s) => stack.ledger.snapshot(s.name)));
  expect(ledgerLabDisagreements(stack.lab, stack.topology, ledgers)).toEqual([]);
}

/** The failover's own steps (fencing is the failover's, once per host). */
async function failoverSteps(id: string) {
  return (await stack.temporal.client.workflow.getHandle(id).query(progressQuery)).steps;
}

/**
 * The dead host was fenced before any of its VMs started elsewhere: the failover's fence of the
 * host ended before each restart's `start-vm` began, and each restart unmasked only from it.
 */
function expectFencedFirst(
  steps: Awaited<ReturnType<typeof failoverSteps>>,
  report: FailoverReport,
  host: string,
  vms: string[],
): void {
  const fenced = steps.filter((s) => s.name === 'fence-host-luns');
  expect(fenced).toHaveLength(1);
  expect(fenced[0]).toMatchObject({ outcome: 'ok', summary: expect.stringContaining(host) });
  for (const vm of vms) {
    const p = report.personas.find((x) => x.persona === vm)!;
    expect(p).toMatchObject({ outcome: 'restored', endedOn: expect.stringMatching(/^vm@/) });
    const start = p.steps.find((s) => s.name === 'start-vm')!;
    expect(Date.parse(start.startedAt)).toBeGreaterThanOrEqual(Date.parse(fenced[0]!.endedAt!));
    expect(p.run).toMatch(new RegExp(`/${vm}$`));
  }
  for (const name of ['fence-power', 'fence-ports'])
    expect(steps.filter((s) => s.name === name)).toHaveLength(1);
  // Dark: its BMC never confirmed it off.
  expect(report.deadHosts).toEqual([{ machine: host, vms, fenced: true, power: 'unconfirmed' }]);
}

beforeAll(async () => {
  stack = await startFullStack({ source: TOPOLOGY });
  await Promise.all(
    HOSTS.map((machine) =>
      run<RunbookReport>('hypervisorBringup', `hypervisor-bringup/${machine}/setup`, {
        machine,
        readyTimeoutSeconds: 120,
        powerTimeoutSeconds: 60,
      }).then((r) => expect(r.outcome).toBe('completed')),
    ),
  );
});

afterAll(async () => {
  await stack?.temporal.client.workflow
    .getHandle('site-guard/dc1')
    .terminate('test done')
    .catch(() => undefined);
  await stack?.stop();
});

describe('VMs whose host died (examples/rack-fire.yaml, four hosts of dr-cluster)', () => {
  it('site-failover fences the dead host once, then restarts its VMs on another host of the cluster', async () => {
    await asVm('web-01', 'm-r2-01');
    await asVm('app-01', 'm-r2-01');
    expect(lunsSeenBy('m-r2-01')).toEqual(expect.arrayContaining(['web-01-boot', 'app-01-boot']));
    stack.lab.machine('m-r2-01').setDark(true);

    const id = 'site-failover/vm-restart/dark-host';
    const report = await run<FailoverReport>('siteFailover', id, {
      machines: ['m-r2-01'],
      fence: 'full',
      healthTimeoutSeconds: 120,
      powerTimeoutSeconds: 60,
    });
    expect(report.outcome).toBe('completed');
    expect(report.failedMachines).toEqual(['m-r2-01']);
    // The report counts them: both restored, as VMs, on a living host of the cluster.
    const targets = report.plan!.restorations.map((r) => [r.persona, r.outcome, r.from]);
    expect(targets).toEqual(
      expect.arrayContaining([
        ['web-01', 'restored', { kind: 'vm', host: 'm-r2-01' }],
        ['app-01', 'restored', { kind: 'vm', host: 'm-r2-01' }],
      ]),
    );
    const steps = await failoverSteps(id);
    expectFencedFirst(steps, report, 'm-r2-01', ['web-01', 'app-01']);

    const ledger = await stack.ledger.snapshot('dc1');
    for (const vm of ['web-01', 'app-01']) {
      const host = report.personas.find((p) => p.persona === vm)!.endedOn!.slice(3);
      expect(HOSTS).toContain(host);
      expect(host).not.toBe('m-r2-01');
      expect(ledger.placements[vm]).toEqual({ kind: 'vm', host });
      expect(labVms(stack, host)[vm]).toMatchObject({ state: 'running' });
      expect(lunsSeenBy(host)).toContain(`${vm}-boot`);
    }
    // The dead host's initiator no longer sees the VMs' LUNs; it is recorded failed, still a host.
    expect(lunsSeenBy('m-r2-01')).not.toContain('web-01-boot');
    expect(lunsSeenBy('m-r2-01')).not.toContain('app-01-boot');
    expect(ledger.machines['m-r2-01']).toMatchObject({
      power: 'unknown',
      healthy: false,
      role: 'hypervisor',
    });
    await agree();
  });

  it('the guard sees a hypervisor host die and restarts its VMs (per-machine HA, no API call)', async () => {
    await asVm('search-01', 'm-r3-05');
    await asVm('app-02', 'm-r3-05');
    const start = await api('/api/v1/guards', {
      method: 'POST',
      body: JSON.stringify({
        site: 'dc1',
        intervalSeconds: 1,
        failuresToLose: 2,
        eventWindowSeconds: 0,
        probeParallelism: 32,
        restore: { healthTimeoutSeconds: 120, powerTimeoutSeconds: 60 },
      }),
    });
    expect(start.status).toBe(202);
    stack.lab.machine('m-r3-05').setDark(true);

    let status: GuardStatus | undefined;
    for (const deadline = Date.now() + 300_000; Date.now() < deadline; ) {
      const res = await api('/api/v1/guards');
      status = ((await res.json()) as { guards: GuardStatus[] }).guards.find(
        (g) => g.site === 'dc1',
      );
      if (status?.events?.some((e) => e.actions.some((a) => /completed|failed/.test(a.state))))
        break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const event = status!.events[0]!;
    expect(event).toMatchObject({
      kind: 'machine',
      machines: [
        { machine: 'm-r3-05', persona: 'app-02', vms: ['app-02', 'search-01'], rack: 'r3' },
      ],
    });
    expect(event.actions).toEqual([
      expect.objectContaining({
        kind: 'site-failover',
        state: 'completed',
        personas: ['app-02', 'search-01'],
      }),
    ]);
    const id = event.actions[0]!.run!;
    const report = (await stack.temporal.client.workflow.getHandle(id).result()) as FailoverReport;
    expectFencedFirst(await failoverSteps(id), report, 'm-r3-05', ['app-02', 'search-01']);
    expect((await failoverSteps(id)).find((s) => s.name === 'fence-power')?.detail).toMatch(
      /BMC does not answer/,
    );
    const ledger = await stack.ledger.snapshot('dc1');
    for (const vm of ['search-01', 'app-02']) {
      const at = ledger.placements[vm];
      expect(at?.kind).toBe('vm');
      expect(['m-r2-02', 'm-r2-03']).toContain((at as { host: string }).host);
    }
    expect(lunsSeenBy('m-r3-05')).not.toContain('search-01-boot');
    expect(lunsSeenBy('m-r3-05')).not.toContain('app-02-boot');
    await agree();
  });
});

describe('a VM of a dead host restored onto a machine (repurpose, as a plan may say)', () => {
  it('repurpose with sourceDown fences the VM off its dead host instead of parking the host', async () => {
    // The guard of the test before would act on this host too: this test drives the move itself.
    await stack.temporal.client.workflow.getHandle('site-guard/dc1').terminate('next test');
    const at = (await stack.ledger.snapshot('dc1')).placements['web-01'] as { host: string };
    stack.lab.machine(at.host).setDark(true);
    const report = await run<RunbookReport>('repurpose', 'repurpose/web-01/from-dead-host', {
      persona: 'web-01',
      sourceDown: true,
      fence: 'full',
      healthTimeoutSeconds: 120,
      powerTimeoutSeconds: 60,
    });
    expect(report.outcome).toBe('completed');
    const steps = report.steps.map((s) => s.name);
    expect(steps.indexOf('fence-source')).toBeGreaterThan(steps.indexOf('fence-ports'));
    expect(steps.indexOf('fence-source')).toBeLessThan(steps.indexOf('power-on'));
    expect(stack.lab.machine(report.endedOn).bootResult).toMatchObject({
      healthy: true,
      persona: 'web-01',
    });
    expect(lunsSeenBy(at.host)).not.toContain('web-01-boot');
    const ledger = await stack.ledger.snapshot('dc1');
    expect(ledger.placements['web-01']).toEqual({ kind: 'machine', machine: report.endedOn });
    expect(ledger.machines[at.host]).toMatchObject({ power: 'unknown', role: 'hypervisor' });
    await agree();
  });
});
