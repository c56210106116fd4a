/**
 * Records one real history of every runbook (and of the site ledger) into
 * test/fixtures/histories/, for the replay test. Run it after a deliberate, patched change to
 * workflow code: `npx tsx test/replay/record-histories.ts`. It drives the whole lab. Name kinds
 * (`… record-histories.ts failback`) to write only their files: the runs are the same, so the
 * other files keep their names and contents. `--patch <id>` writes `<kind>-<n>.<id>.json`
 * beside the old files instead of over them: after a `patched(<id>)` change, the old
 * histories keep replaying the old branch and the new ones the new
 * (`… record-histories.ts --patch cluster-hosts hypervisor-bringup`).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { NAMESPACE, TASK_QUEUE } from '../../worker/task-queue';
import { findTemporalCli } from '../../temporal/find-temporal-cli';
import { ledgerWorkflowId } from '../../temporal/ledger-client';
import { bubbleOf } from '../support/drill-bubble';
import { bringUpHost, HOST, runbook, startP2vStack } from '../support/p2v-stack';

Runtime.install({ logger: new DefaultLogger('ERROR') });
const OUT = join(__dirname, '..', 'fixtures', 'histories');

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const at = args.indexOf('--patch');
  const patch = at < 0 ? undefined : args.splice(at, 2)[1];
  if (at >= 0 && (patch === undefined || !/^[a-z0-9-]+$/.test(patch)))
    throw new Error('--patch needs a patch id like cluster-hosts');
  const only = new Set(args);
  const stack = await startP2vStack();
  const ids: Array<[string, string, string?]> = [];
  const keep = async (name: string, p: Promise<unknown>, prefix: string): Promise<void> => {
    await p;
    const list = stack.temporal.client.workflow.list({
      query: `WorkflowId STARTS_WITH "${prefix}"`,
    });
    for await (const w of list) ids.push([name, w.workflowId]);
  };
  try {
    await keep(
      'power',
      stack.temporal.client.workflow.execute('power', {
        taskQueue: TASK_QUEUE,
        workflowId: 'power/m-r1-03/record',
        args: [{ machine: 'm-r1-03', action: 'cycle' }],
      }),
      'power/',
    );
    await keep('hypervisor-bringup', bringUpHost(stack), 'hypervisor-bringup/');
    await keep(
      'repurpose',
      runbook(stack, 'repurpose', 'repurpose', { persona: 'web-01', healthTimeoutSeconds: 60 }),
      'repurpose/',
    );
    await keep(
      'p2v',
      runbook(stack, 'p2v', 'p2v', {
        persona: 'web-01',
        mode: 'san',
        host: HOST,
        graceSeconds: 5,
        healthTimeoutSeconds: 60,
      }),
      'p2v/',
    );
    await keep(
      'v2p',
      runbook(stack, 'v2p', 'v2p', {
        persona: 'web-01',
        graceSeconds: 5,
        healthTimeoutSeconds: 60,
      }),
      'v2p/',
    );
    await keep(
      'release',
      runbook(stack, 'release', 'release', { persona: 'web-01', graceSeconds: 5 }),
      'release/',
    );
    // web-01 on a DR spare, then home again (a repurpose child of the failback).
    await runbook(stack, 'repurpose', 'repurpose', {
      persona: 'web-01',
      machine: 'm-r1-03',
      healthTimeoutSeconds: 60,
    });
    const failbackId = 'failback/web-01/record';
    await stack.temporal.client.workflow.execute('failback', {
      taskQueue: TASK_QUEUE,
      workflowId: failbackId,
      args: [{ personas: ['web-01'], graceSeconds: 5, healthTimeoutSeconds: 60 }],
    });
    // A drill of web-01's home beside it (bubble VLANs, clones), then its home burns: a disaster
    // failover.
    const drillId = 'dr-drill/m-r2-01/record';
    const bubble = bubbleOf(stack.topology);
    await stack.temporal.client.workflow.execute('drDrill', {
      taskQueue: TASK_QUEUE,
      workflowId: drillId,
      args: [{ machines: ['m-r2-01'], bubble, healthHost: '127.0.0.2', healthTimeoutSeconds: 60 }],
    });
    stack.lab.machine('m-r2-01').setDark(true);
    const failoverId = 'site-failover/m-r2-01/record';
    await stack.temporal.client.workflow.execute('siteFailover', {
      taskQueue: TASK_QUEUE,
      workflowId: failoverId,
      args: [{ machines: ['m-r2-01'], healthTimeoutSeconds: 60 }],
    });
    // The site guard's first run: two quiet probe rounds, then continue-as-new (a closed run to
    // replay).
    const guard = await stack.temporal.client.workflow.start('siteGuard', {
      taskQueue: TASK_QUEUE,
      workflowId: 'site-guard/dc1',
      args: [{ site: 'dc1', intervalSeconds: 1, roundsPerRun: 2 }],
    });
    const guardRun = stack.temporal.client.workflow.getHandle(
      guard.workflowId,
      guard.firstExecutionRunId,
    );
    while ((await guardRun.describe()).status.name === 'RUNNING')
      await new Promise((r) => setTimeout(r, 200));
    await stack.temporal.client.workflow.getHandle(guard.workflowId).terminate('recorded');
    // A VM whose host burns: web-01 as a VM on HOST, HOST dark, a failover of HOST fences it once
    // and restarts web-01 on a second host (a vm-restart child).
    await stack.temporal.client.workflow.execute('hypervisorBringup', {
      taskQueue: TASK_QUEUE,
      workflowId: 'hypervisor-bringup/m-r2-02/record-second',
      args: [{ machine: 'm-r2-02', readyTimeoutSeconds: 60 }],
    });
    await runbook(stack, 'p2v', 'p2v', {
      persona: 'web-01',
      mode: 'san',
      host: HOST,
      graceSeconds: 5,
      healthTimeoutSeconds: 60,
    });
    stack.lab.machine(HOST).setDark(true);
    const vmFailoverId = `site-failover/${HOST}/record`;
    await stack.temporal.client.workflow.execute('siteFailover', {
      taskQueue: TASK_QUEUE,
      workflowId: vmFailoverId,
      args: [{ machines: [HOST], fence: 'full', healthTimeoutSeconds: 60 }],
    });
    ids.push(['ledger', ledgerWorkflowId('dc1')]);
    ids.push(['failback', failbackId]);
    ids.push(['dr-drill', drillId]);
    ids.push(['site-failover', failoverId]);
    ids.push(['site-guard', guard.workflowId, guard.firstExecutionRunId]);
    ids.push(['site-failover', vmFailoverId]);
    ids.push(['vm-restart', `${vmFailoverId}/web-01`]);
    const seen = new Set<string>();
    for (const [name, workflowId, runId] of ids) {
      if (seen.has(workflowId)) continue;
      seen.add(workflowId);
      if (only.size > 0 && !only.has(name)) continue;
      // The Temporal CLI's JSON is the format every Temporal tool reads (historyFromJSON).
      const shown = spawnSync(
        findTemporalCli(),
        [
          'workflow',
          'show',
          '--address',
          stack.temporal.address,
          '--namespace',
          NAMESPACE,
          '--workflow-id',
          workflowId,
          ...(runId ? ['--run-id', runId] : []),
          '--output',
          'json',
        ],
        { encoding: 'utf8' },
      );
      if (shown.status !== 0)
        throw new Error(`temporal workflow show ${workflowId}: ${shown.stderr}`);
      const file = join(OUT, `${name}-${seen.size}${patch === undefined ? '' : `.${patch}`}.json`);
      writeFileSync(file, shown.stdout);
      console.log(
        `${workflowId} → ${file} (${(JSON.parse(shown.stdout) as { events: unknown[] }).events.length} events)`,
      );
    }
  } finally {
    await stack.stop();
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
