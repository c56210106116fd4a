import { InvalidArgumentError, type Command } from 'commander';
import type { DrillRunView } from '../../api/drill-runs';
import type { RtoTrend } from '../../api/drill-summary';
import { ApiClient } from '../api-client';
import { apiOptions, type ApiCommandOptions } from '../api-options';
import { textTable } from '../text-table';

type Options = ApiCommandOptions & { json?: boolean };

function limitOption(value: string): number {
  if (!/^\d{1,3}$/.test(value) || Number(value) < 1 || Number(value) > 100)
    throw new InvalidArgumentError(`must be a whole number 1–100, got "${value}"`);
  return Number(value);
}

const seconds = (s: number | null | undefined): string => (s == null ? '-' : `${s}s`);

function drillRow(d: DrillRunView): string[] {
  const s = d.summary;
  return [
    d.startedAt,
    d.workflowId,
    d.status,
    s?.outcome ?? (d.unreadable ? 'unreadable' : '-'),
    seconds(s?.rtoSeconds),
    s ? `${s.restored}/${s.restored + s.notRestored}` : '-',
    s?.cleanup.outcome ?? '-',
    d.scheduleId ?? '-',
  ];
}

function trendText(rto: RtoTrend): string {
  if (rto.trend.length === 0) return 'RTO trend: no completed drill with an RTO yet';
  const basis =
    rto.recent.length === 0
      ? ''
      : ` (mean of last ${rto.recent.length}: ${rto.recent.join(', ')}s against ${rto.earlier.join(', ')}s)`;
  return `RTO trend, oldest first: ${rto.trend.map((p) => p.rtoSeconds).join(' → ')} s; ${rto.direction}${basis}`;
}

function reportText(d: DrillRunView & { report: unknown }): string {
  const s = d.summary;
  const head = [
    `${d.workflowId}: Temporal status ${d.status}`,
    `  started ${d.startedAt}${d.closedAt ? `, closed ${d.closedAt}` : ''}${d.scheduleId ? `, by schedule ${d.scheduleId}` : ''}`,
  ];
  if (s === null) return [...head, ...(d.unreadable ? [`  ${d.unreadable}`] : [])].join('\n');
  // A summary exists only for a result that passed the API's drill report check.
  const report = d.report as {
    cleanup: { leftToFix: string[] };
    notRestored: Array<{ persona: string; reason?: string; detail?: string }>;
  };
  return [
    ...head,
    `  ${s.headline}; RTO ${seconds(s.rtoSeconds)}`,
    '',
    textTable(
      ['PRIORITY', 'PERSONAS', 'COPIES UP', 'NOT UP', 'RTO'],
      s.groups.map((g) => [
        String(g.priority),
        String(g.personas),
        String(g.restored),
        String(g.failed),
        seconds(g.rtoSeconds),
      ]),
    ),
    ...report.notRestored.map(
      (n) => `  no copy up: ${n.persona}: ${[n.reason, n.detail].filter(Boolean).join(': ')}`,
    ),
    ...report.cleanup.leftToFix.map((l) => `  left to fix: ${l}`),
  ].join('\n');
}

/**
 * `rackshift drills [list]` and `rackshift drills show <workflowId>`: drill runs, their reports and
 * the RTO trend, through the API.
 */
export function registerDrillCommands(program: Command): void {
  const drills = program
    .command('drills')
    .description('DR drill runs: outcome, RTO per run and its trend, full reports');

  apiOptions(
    drills
      .command('list', { isDefault: true })
      .description(
        '(the default) the newest drill runs, newest first, and the RTO trend over them',
      ),
  )
    .option('--limit <n>', 'how many runs (1–100)', limitOption, 20)
    .option('--json', 'print the raw JSON')
    .action(async (opts: Options & { limit: number }) => {
      const answer = await new ApiClient(opts).request<{ drills: DrillRunView[]; rto: RtoTrend }>(
        'GET',
        `/api/v1/drills?limit=${opts.limit}`,
      );
      if (opts.json) {
        console.log(JSON.stringify(answer, null, 2));
        return;
      }
      if (answer.drills.length === 0) {
        console.log('no drill runs');
        return;
      }
      console.log(
        textTable(
          [
            'STARTED',
            'WORKFLOW ID',
            'TEMPORAL STATUS',
            'REHEARSAL',
            'RTO',
            'COPIES UP',
            'CLEAN-UP',
            'SCHEDULE',
          ],
          answer.drills.map(drillRow),
        ),
      );
      console.log('');
      console.log(trendText(answer.rto));
    });

  apiOptions(
    drills
      .command('show')
      .description(
        "one drill run and its report: groups' RTO, what was not restored and why, clean-up",
      )
      .argument('<workflowId>'),
  )
    .option('--json', 'print the raw JSON (the full report)')
    .action(async (workflowId: string, opts: Options) => {
      const answer = await new ApiClient(opts).request<DrillRunView & { report: unknown }>(
        'GET',
        `/api/v1/drills/${encodeURIComponent(workflowId)}`,
      );
      console.log(opts.json ? JSON.stringify(answer, null, 2) : reportText(answer));
    });
}
