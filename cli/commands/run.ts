import { InvalidArgumentError, type Command } from 'commander';
import { fieldIssues } from '../../common/field-path';
import { WORKFLOW_ID_PATTERN } from '../../inventory/patterns';
import {
  approvalInputSchema,
  type ApprovalInput,
} from '../../workflows/site-failover/failover-messages';
import { ApiClient } from '../api-client';
import { apiOptions, type ApiCommandOptions } from '../api-options';
import { exitCodeOfStatus } from '../exit-codes';
import { runOutcomeText } from '../run-outcome-text';
import { jsonOption, runbookInput } from '../runbook-input';

interface StepView {
  name: string;
  summary: string;
  outcome: string;
  detail?: string;
  startedAt: string;
  endedAt?: string;
}
interface RunView {
  runId: string;
  runbook: string;
  status: string;
  temporalUiUrl?: string;
  result?: unknown;
  failure?: { type?: string; message: string } | null;
  progress?: { step?: string; steps: StepView[]; report?: unknown } | null;
}

function stepLine(s: StepView): string {
  const mark = { ok: '✓', failed: '✗', skipped: '–', running: '…' }[s.outcome] ?? '?';
  const ms = s.endedAt ? ` ${Date.parse(s.endedAt) - Date.parse(s.startedAt)} ms` : '';
  return `  ${mark} ${s.name.padEnd(18)} ${s.summary}${s.detail ? ` — ${s.detail}` : ''}${ms}`;
}

/** Polls the run, printing each step as it starts and ends (unless quiet), until the run closes. */
async function follow(client: ApiClient, runId: string, quiet: boolean): Promise<RunView> {
  const printed = new Map<string, string>();
  for (;;) {
    const run = await client.request<RunView>('GET', `/api/v1/runs/${encodeURIComponent(runId)}`);
    const steps =
      run.progress?.steps ?? (run.result as { steps?: StepView[] } | undefined)?.steps ?? [];
    steps.forEach((s, i) => {
      const key = `${i}`;
      const line = stepLine(s);
      if (printed.get(key) !== line && (s.outcome !== 'running' || !printed.has(key))) {
        if (!quiet) console.log(line);
        printed.set(key, line);
      }
    });
    if (run.status !== 'RUNNING') return run;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

function printOutcome(run: RunView): void {
  console.log(runOutcomeText(run));
}

function runIdArgument(value: string): string {
  if (!WORKFLOW_ID_PATTERN.test(value))
    throw new InvalidArgumentError(
      `must be a run id like site-failover/r1/20261125T085640Z-3de3, got ${JSON.stringify(value)}`,
    );
  return value;
}

/**
 * The decision as the approval Update takes it, checked here so that a bad --reason never reaches
 * the API.
 */
function approvalBody(
  decision: ApprovalInput['decision'],
  opts: { reason?: string },
): ApprovalInput {
  const parsed = approvalInputSchema.safeParse({
    decision,
    ...(opts.reason !== undefined && { reason: opts.reason }),
  });
  if (!parsed.success)
    throw new InvalidArgumentError(
      fieldIssues(parsed.error)
        .map((i) => `--${i.path}: ${i.message}`)
        .join('; '),
    );
  return parsed.data;
}

/**
 * `rackshift runs approve|reject <runId>`: answers a site-failover whose plan waits for approval.
 */
function registerApprovalCommand(runs: Command, decision: ApprovalInput['decision']): void {
  apiOptions(
    runs
      .command(decision)
      .description(
        `${decision} the plan of a site-failover run started with "approval": "manual" (POST /api/v1/runs/<runId>/approval)`,
      )
      .argument('<runId>', 'the failover run, as `rackshift run` printed it', runIdArgument)
      .option('--reason <text>', 'why, for the report')
      .option('--json', 'print the raw JSON'),
  ).action(async (runId: string, opts: ApiCommandOptions & { reason?: string; json?: boolean }) => {
    const body = approvalBody(decision, opts);
    // Who decides is the token's name (the API sets it): a decision cannot be signed with
    // another's.
    const answer = await new ApiClient(opts).request<{
      runId: string;
      decision: string;
      by: string;
    }>('POST', `/api/v1/runs/${encodeURIComponent(runId)}/approval`, body);
    if (opts.json) {
      console.log(JSON.stringify(answer, null, 2));
      return;
    }
    console.log(`${answer.runId}: ${answer.decision} by ${answer.by}`);
    console.log(`  follow it: rackshift runs show ${runId}`);
  });
}

export function registerRunCommands(program: Command): void {
  apiOptions(
    program
      .command('run')
      .description(
        'start a runbook through the API (GET /api/v1/runbooks lists them and their input schemas)',
      )
      .argument('<runbook>', 'runbook name, e.g. power')
      .option('--input <json>', 'runbook input as JSON', jsonOption)
      .option('--input-file <file>', 'runbook input from a JSON file')
      .option(
        '--follow',
        'show progress until the run ends; the exit code says how it ended (0 completed, 1 not)',
      )
      .option(
        '--idempotency-key <key>',
        'send it again with the same key and input: the API answers with the first run, never a second',
      )
      .option('--json', 'print the API answers as JSON (with --follow: the final run)'),
  ).action(
    async (
      runbook: string,
      opts: ApiCommandOptions & {
        input?: unknown;
        inputFile?: string;
        follow?: boolean;
        idempotencyKey?: string;
        json?: boolean;
      },
    ) => {
      const input = runbookInput(opts);
      const client = new ApiClient(opts);
      const headers: Record<string, string> =
        opts.idempotencyKey === undefined ? {} : { 'idempotency-key': opts.idempotencyKey };
      const started = await client.request<{ runId: string; temporalUiUrl?: string }>(
        'POST',
        `/api/v1/runbooks/${encodeURIComponent(runbook)}/runs`,
        { input },
        headers,
      );
      if (!opts.json) {
        console.log(`started ${started.runId}`);
        if (started.temporalUiUrl) console.log(`  Temporal UI: ${started.temporalUiUrl}`);
      }
      if (!opts.follow) {
        if (opts.json) console.log(JSON.stringify(started, null, 2));
        return;
      }
      const run = await follow(client, started.runId, opts.json === true);
      if (opts.json) console.log(JSON.stringify(run, null, 2));
      else printOutcome(run);
      process.exitCode = exitCodeOfStatus(run.status);
    },
  );

  const runs = program.command('runs').description('look at runbook runs');
  apiOptions(
    runs
      .command('list')
      .description('recent runs')
      .option('--runbook <name>', 'only runs of this runbook')
      .option('--json', 'print the raw JSON'),
  ).action(async (opts: ApiCommandOptions & { runbook?: string; json?: boolean }) => {
    const client = new ApiClient(opts);
    const query = opts.runbook ? `?runbook=${encodeURIComponent(opts.runbook)}` : '';
    const answer = await client.request<{
      runs: Array<{ runId: string; status: string; startedAt: string }>;
    }>('GET', `/api/v1/runs${query}`);
    if (opts.json) {
      console.log(JSON.stringify(answer, null, 2));
      return;
    }
    const list = answer.runs;
    for (const r of list) console.log(`${r.startedAt}  ${r.status.padEnd(10)} ${r.runId}`);
    if (list.length === 0) console.log('no runs');
  });
  apiOptions(
    runs
      .command('show')
      .description('status, steps, result or failure of one run; exit code 1 when it failed')
      .argument('<runId>')
      .option('--json', 'print the raw JSON'),
  ).action(async (runId: string, opts: ApiCommandOptions & { json?: boolean }) => {
    const run = await new ApiClient(opts).request<RunView>(
      'GET',
      `/api/v1/runs/${encodeURIComponent(runId)}`,
    );
    process.exitCode = exitCodeOfStatus(run.status);
    if (opts.json) {
      console.log(JSON.stringify(run, null, 2));
      return;
    }
    for (const s of run.progress?.steps ??
      (run.result as { steps?: StepView[] } | undefined)?.steps ??
      [])
      console.log(stepLine(s));
    printOutcome(run);
  });
  apiOptions(
    runs
      .command('cancel')
      .description('cancel a run (its saga undoes what it did)')
      .argument('<runId>', 'the run, as `rackshift run` printed it', runIdArgument)
      .option('--json', 'print the raw JSON'),
  ).action(async (runId: string, opts: ApiCommandOptions & { json?: boolean }) => {
    const answer = await new ApiClient(opts).request<{ runId: string; runbook: string }>(
      'POST',
      `/api/v1/runs/${encodeURIComponent(runId)}/cancel`,
    );
    console.log(
      opts.json ? JSON.stringify(answer, null, 2) : `${answer.runId}: cancellation requested`,
    );
  });
  registerApprovalCommand(runs, 'approve');
  registerApprovalCommand(runs, 'reject');
}
