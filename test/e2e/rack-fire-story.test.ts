import type { FailoverReport } from '../../workflows/site-failover/failover-report';
import { editedTopology } from '../support/edited-topology';
import { startFullStack, type FullStack } from '../support/full-stack';
import { labHardwareState } from '../support/lab-snapshot';
import { ledgerFacts } from '../support/ledger-state';
import { expectStoryRestored, STORY } from '../support/story-checks';
import { stackApi, startThroughApi } from '../support/stack-api';

jest.setTimeout(600_000);

/**
 * The story's topology plus a second cluster that serves the site too, so that the failover
 * must be told which cluster its new hosts join (input.cluster), as an operator with two
 * clusters would.
 */
const storyWithTwoClusters = (): string =>
  editedTopology(STORY, 'rack-fire-two-hosts-two-clusters', (raw) => {
    raw.clusters!.push({ name: 'office-cluster', image: 'kvm-host', networks: ['office', 'mgmt'] });
  });

let stack: FullStack;

beforeAll(async () => {
  stack = await startFullStack({ source: storyWithTwoClusters() });
});

afterAll(async () => {
  await stack?.stop();
});

const api = stackApi(() => stack);
const result = (runId: string) =>
  stack.temporal.client.workflow.getHandle(runId).result() as Promise<FailoverReport>;

describe('the rack fire as the story tells it (examples/rack-fire-two-hosts.yaml: 20 lost, 10 working machines)', () => {
  it('with two clusters serving the site, a failover that names none refuses to plan, naming input.cluster; nothing changes', async () => {
    const before = labHardwareState(stack.lab);
    const ledgerBefore = ledgerFacts(await stack.ledger.snapshot('dc1'));
    const unknown = await api('/api/v1/runbooks/site-failover/runs', {
      method: 'POST',
      body: JSON.stringify({ input: { racks: ['r1'], cluster: 'nope' } }),
    });
    expect(unknown.status).toBe(400);
    expect(
      ((await unknown.json()) as { error: { details: unknown[] } }).error.details,
    ).toContainEqual({
      path: 'input.cluster',
      message: 'unknown cluster "nope" (declare it under clusters)',
    });

    const runId = await startThroughApi(api, 'site-failover', { racks: ['r1'], probe: false });
    const failure = await result(runId).catch(
      (e: unknown) => e as { cause?: { type?: string; message?: string } },
    );
    expect(failure).toMatchObject({ cause: { type: 'ValidationError' } });
    expect((failure as { cause: { message: string } }).cause.message).toContain(
      'site dc1 has several clusters (dr-cluster, office-cluster): name one in input.cluster',
    );
    expect(labHardwareState(stack.lab)).toEqual(before);
    expect(ledgerFacts(await stack.ledger.snapshot('dc1'))).toEqual(ledgerBefore);
  });

  it('rack r1 burns; site-failover naming dr-cluster restores everything the plan promises: 8 on bare metal, two new hosts with three VMs each', async () => {
    const burned = stack.lab.burnRack('r1');
    expect(burned).toHaveLength(20);
    const started = Date.now();
    const runId = await startThroughApi(api, 'site-failover', {
      racks: ['r1'],
      cluster: 'dr-cluster',
      healthTimeoutSeconds: 120,
      powerTimeoutSeconds: 60,
    });
    const report = await result(runId);
    const seconds = (Date.now() - started) / 1000;
    expect(report.failedMachines).toEqual(burned.sort());
    await expectStoryRestored(stack, report);
    expect(report.outcome).toBe('completed');
    // Each host bring-up ran as a child told its cluster.
    for (const h of report.hosts) {
      const history = await stack.temporal.client.workflow.getHandle(h.run).fetchHistory();
      const data =
        history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0]?.data;
      expect(JSON.parse(Buffer.from(data!).toString('utf8'))).toMatchObject({
        machine: h.machine,
        cluster: 'dr-cluster',
      });
    }
    const restored = report.personas.filter((p) => p.outcome === 'restored').length;
    console.log(
      `rack-fire story: ${restored} of 20 restored in ${seconds.toFixed(1)} s; hosts ${report.hosts.map((h) => `${h.machine}(${h.cluster}) ${((Date.parse(h.endedAt) - Date.parse(h.startedAt)) / 1000).toFixed(1)} s`).join(', ')}; ` +
        `group RTOs ${report.groups.map((g) => `p${g.priority}=${g.rtoSeconds ?? '-'}s`).join(' ')}`,
    );
  });
});
