import { InvalidArgumentError, type Command } from 'commander';
import { fieldIssues } from '../../common/field-path';
import { WORKFLOW_ID_PATTERN } from '../../inventory/patterns';
import { approvalInputSchema, type ApprovalInput } from '../../workflows/site-failover/failover-messages';
import { ApiClient } from '../api-client';
import { apiOptions, type ApiCommandOptions } from '../api-options';
import { runOutcomeText } from '../run-outcome-text';
import { jsonOption, runbookInput } from '../runbook-input';

interface StepView { name: string; summary: string; outcome: string; detail?: string; startedAt: string; endedAt?: string }
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

/** Polls the run, printing each step as it starts and ends, until the run closes. */
async function follow(client: ApiClient, runId: string): Promise<RunView> {
  const printed = new Map<string, string>();
  for (;;) {
    const run = await client.request<RunView>('GET', `/api/v1/runs/${encodeURIComponent(runId)}`);
    const steps = run.progress?.steps ?? (run.result as { steps?: StepView[] } | undefined)?.steps ?? [];
    steps.forEach((s, i) => {
      const key = `${i}`;
      const line = stepLine(s);
      if (printed.get(key) !== line && (s.outcome !== 'running' || !printed.has(key))) {
        console.log(line);
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
  if (!WORKFLOW_ID_PATTERN.test(value)) throw new InvalidArgumentError(`must be a run id like site-failover/r1/20261125T085640Z-3de3, got ${JSON.stringify(value)}`);
  return value;
}

/** The decision as the approval Update takes it, checked here so that a bad --by never reaches the API. */
function approvalBody(decision: ApprovalInput['decision'], opts: { by?: string; reason?: string }): ApprovalInput {
  const parsed = approvalInputSchema.safeParse({ decision, ...(opts.by !== undefined && { by: opts.by }), ...(opts.reason !== undefined && { reason: opts.reason }) });
  if (!parsed.success) throw new InvalidArgumentError(fieldIssues(parsed.error).map((i) => `--${i.path}: ${i.message}`).join('; '));
  return parsed.data;
}

/** `rackshift runs approve|reject <runId>`: answers a site-failover whose plan waits for approval. */
function registerApprovalCommand(runs: Command, decision: ApprovalInput['decision']): void {
  apiOptions(
    runs
      .command(decision)
      .description(`${decision} the plan of a site-failover run started with "approval": "manual" (POST /api/v1/runs/<runId>/approval)`)
      .argument('<runId>', 'the failover run, as `rackshift run` printed it', runIdArgument)
      .option('--by <who>', 'who decides, for the report (a user name, a ticket)')
      .option('--reason <text>', 'why, for the report')
      .option('--json', 'print the raw JSON'),
  ).action(async (runId: string, opts: ApiCommandOptions & { by?: string; reason?: string; json?: boolean }) => {
    const body = approvalBody(decision, opts);
    const answer = await new ApiClient(opts).request<{ runId: string; decision: string }>('POST', `/api/v1/runs/${encodeURIComponent(runId)}/approval`, body);
    if (opts.json) {
      console.log(JSON.stringify(answer, null, 2));
      return;
    }
    console.log(`${answer.runId}: ${answer.decision}${body.by ? ` by ${body.by}` : ''}`);
    console.log(`  follow it: rackshift runs show ${runId}`);
  });
}

export function registerRunCommands(program: Command): void {
  apiOptions(
    program
      .command('run')
      .description('start a runbook through the API (GET /api/v1/runbooks lists them and their input schemas)')
      .argument('<runbook>', 'runbook name, e.g. power')
      .option('--input <json>', 'runbook input as JSON', jsonOption)
      .option('--input-file <file>', 'runbook input from a JSON file')
      .option('--follow', 'show progress until the run ends; exit non-zero if it fails'),
  ).action(async (runbook: string, opts: { input?: unknown; inputFile?: string; follow?: boolean; api?: string; token?: string; data: string }) => {
    const input = runbookInput(opts);
    const client = new ApiClient(opts);
    const started = await client.request<{ runId: string; temporalUiUrl?: string }>('POST', `/api/v1/runbooks/${encodeURIComponent(runbook)}/runs`, { input });
    console.log(`started ${started.runId}`);
    if (started.temporalUiUrl) console.log(`  Temporal UI: ${started.temporalUiUrl}`);
    if (!opts.follow) return;
    const run = await follow(client, started.runId);
    printOutcome(run);
    if (run.status !== 'COMPLETED') process.exitCode = 1;
  });

  const runs = program.command('runs').description('look at runbook runs');
  apiOptions(runs.command('list').description('recent runs').option('--runbook <name>', 'only runs of this runbook')).action(
    async (opts: { runbook?: string; api?: string; token?: string; data: string }) => {
      const client = new ApiClient(opts);
      const query = opts.runbook ? `?runbook=${encodeURIComponent(opts.runbook)}` : '';
      const { runs: list } = await client.request<{ runs: Array<{ runId: string; status: string; startedAt: string }> }>('GET', `/api/v1/runs${query}`);
      for (const r of list) console.log(`${r.startedAt}  ${r.status.padEnd(10)} ${r.runId}`);
      if (list.length === 0) console.log('no runs');
    },
  );
  apiOptions(runs.command('show').description('status, steps, result or failure of one run').argument('<runId>').option('--json', 'print the raw JSON')).action(
    async (runId: string, opts: { json?: boolean; api?: string; token?: string; data: string }) => {
      const run = await new ApiClient(opts).request<RunView>('GET', `/api/v1/runs/${encodeURIComponent(runId)}`);
      if (opts.json) {
        console.log(JSON.stringify(run, null, 2));
        return;
      }
      for (const s of run.progress?.steps ?? (run.result as { steps?: StepView[] } | undefined)?.steps ?? []) console.log(stepLine(s));
      printOutcome(run);
    },
  );
  registerApprovalCommand(runs, 'approve');
  registerApprovalCommand(runs, 'reject');
}
