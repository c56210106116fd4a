import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyLabProfile, labTiming } from '../../bench/lab-profile';
import { latencyProfile } from '../../bench/latency-profiles';
import { writeFailoverTopology } from '../../bench/generate-topology';
import { runPlainBaseline } from '../../bench/plain/plain-baseline';
import { TASK_QUEUE } from '../../worker/task-queue';
import type { FailoverReport } from '../../workflows/site-failover/failover-report';
import { freePort } from '../support/free-port';
import { startFullStack } from '../support/full-stack';

jest.setTimeout(900_000);

/**
 * Activity types per run, keyed by the run's id below the failover's own ('' for the failover,
 * `/p0007`, `/host-m-spare-r01-01` for its children). Repeated host-lease asks count once: a VM
 * move asks again every 2 s while another move holds its host, as often as timing says. Runs in
 * `unordered` compare as sorted lists: a repurpose from a dark source parks it beside the
 * bring-up, so the two branches' calls interleave as their hardware answers.
 */
function sequences(
  root: string,
  calls: ReadonlyArray<{ workflowId: string; activityType: string }>,
  unordered: ReadonlySet<string>,
): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const c of calls) {
    const key = c.workflowId.slice(root.length);
    const list = (out[key] ??= []);
    if (c.activityType !== 'ledgerAcquire' || list.at(-1) !== c.activityType)
      list.push(c.activityType);
  }
  for (const key of unordered) out[key]?.sort();
  return out;
}

describe('the plain failover baseline (bench/plain)', () => {
  it('runs the same plan with the same activities per run (in order, where a run is sequential) as site-failover on Temporal', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rackshift-plain-baseline-'));
    const file = join(dir, 'topology.yaml');
    const { lostRacks } = await writeFailoverTopology(file, 20, 30_000);
    const profile = latencyProfile('fast');
    const input = { racks: lostRacks, probe: false };

    const stack = await startFullStack({ source: file, timing: labTiming(profile) });
    const durableId = `site-failover/${lostRacks.join('+')}/durable`;
    let durable: FailoverReport;
    const calls: { workflowId: string; activityType: string }[] = [];
    try {
      applyLabProfile(stack.lab, stack.topology, profile);
      for (const rack of lostRacks) stack.lab.burnRack(rack);
      const handle = await stack.temporal.client.workflow.start('siteFailover', {
        taskQueue: TASK_QUEUE,
        workflowId: durableId,
        args: [input],
      });
      durable = (await handle.result()) as FailoverReport;
      const runs = [durable, ...durable.personas, ...durable.hosts].flatMap((x) =>
        'run' in x && x.run ? [x.run] : [],
      );
      for (const workflowId of [durableId, ...runs]) {
        const history = await stack.temporal.client.workflow.getHandle(workflowId).fetchHistory();
        for (const e of history.events ?? []) {
          const type = e.activityTaskScheduledEventAttributes?.activityType?.name;
          if (type) calls.push({ workflowId, activityType: type });
        }
      }
    } finally {
      await stack.stop();
    }

    const plainId = `site-failover/${lostRacks.join('+')}/plain`;
    const plain = await runPlainBaseline({
      topology: stack.topology,
      topologyFile: stack.topologyFile,
      dataDir: dir,
      profile,
      lostRacks,
      input,
      bootPort: await freePort(),
      labPort: 0,
      workflowId: plainId,
    });
    if (!plain.ok) throw new Error(`the plain run failed: ${plain.error}`);

    expect(plain.report.plan).toEqual(durable.plan);
    const outcomes = (r: FailoverReport) => r.personas.map((p) => [p.persona, p.outcome]);
    expect(outcomes(plain.report)).toEqual(outcomes(durable));
    expect(durable.personas.filter((p) => p.outcome === 'restored')).toHaveLength(17);
    const repurposes = new Set(
      durable.plan!.restorations.flatMap((r) =>
        r.outcome === 'restored' && r.target.kind === 'machine' ? [`/${r.persona}`] : [],
      ),
    );
    expect(repurposes.size).toBe(6);
    const durableSequences = sequences(durableId, calls, repurposes);
    // 17 moves and one new hypervisor host, each a child run, and the failover's own calls.
    expect(Object.keys(durableSequences)).toHaveLength(19);
    const plainCalls = plain.activities.filter((c) => !c.local);
    expect(sequences(plainId, plainCalls, repurposes)).toEqual(durableSequences);
    // The planner is a local activity in both: one call, in the failover run.
    expect(plain.activities.filter((c) => c.local)).toEqual([
      { workflowId: plainId, activityType: 'planFailover', local: true },
    ]);
  });
});
