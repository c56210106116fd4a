/**
 * Replays every recorded history against today's workflow code and prints one line per
 * history; exits 1 on any non-determinism. Run by test/workflows/replay.test.ts in its own
 * process, as CI or an operator would run it after recording. (protobufjs 8 is pinned at the
 * top of node_modules: with two nested copies the SDK cannot decode history JSON at all.)
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { bundleWorkflows } from '../../worker/workflow-bundle';

Runtime.install({ logger: new DefaultLogger('ERROR') });
const DIR = process.argv[2] ?? join(__dirname, '..', 'fixtures', 'histories');

interface StoredHistory {
  readonly events?: ReadonlyArray<{
    readonly workflowExecutionStartedEventAttributes?: { readonly workflowId?: string };
  }>;
}

async function main(): Promise<number> {
  const files = readdirSync(DIR)
    .filter((f) => f.endsWith('.json'))
    .sort();
  const bundle = process.env.RACKSHIFT_WORKFLOW_BUNDLE
    ? { codePath: process.env.RACKSHIFT_WORKFLOW_BUNDLE }
    : await bundleWorkflows();
  // Replayed under the workflow id they were recorded with (a runbook derives its children's ids
  // from it); printed by file.
  // Histories of one workflow id recorded by two code versions (before and after a patch) are kept
  // side by side, in file order.
  const filesOf = new Map<string, string[]>();
  const histories = files.map((f) => {
    const history = JSON.parse(readFileSync(join(DIR, f), 'utf8')) as StoredHistory;
    const workflowId =
      history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowId ?? f;
    filesOf.set(workflowId, [...(filesOf.get(workflowId) ?? []), f]);
    return { workflowId, history };
  });
  let failed = 0;
  for await (const result of Worker.runReplayHistories({ workflowBundle: bundle }, histories)) {
    if (result.error) failed += 1;
    console.log(
      `${result.error ? 'FAIL' : 'ok'} ${filesOf.get(result.workflowId)?.shift() ?? result.workflowId}${result.error ? `: ${result.error.message}` : ''}`,
    );
  }
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(2);
  },
);
