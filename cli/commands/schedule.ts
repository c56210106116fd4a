import type { Command } from 'commander';
import type { scheduleDetails, scheduleListItem } from '../../api/schedule-view';
import { ApiClient } from '../api-client';
import { apiOptions, type ApiCommandOptions } from '../api-options';
import { jsonOption, runbookInput } from '../runbook-input';
import { textTable } from '../text-table';

type Options = ApiCommandOptions & { json?: boolean };
type ListItem = ReturnType<typeof scheduleListItem>;
type Details = ReturnType<typeof scheduleDetails>;

const path = (id: string, verb = ''): string =>
  `/api/v1/schedules/${encodeURIComponent(id)}${verb === '' ? '' : `/${verb}`}`;

/** The answer as JSON with --json, else the human text. */
function print<T>(opts: Options, answer: T, human: (a: T) => string): void {
  console.log(opts.json ? JSON.stringify(answer, null, 2) : human(answer));
}

function detailsText(d: Details): string {
  const lines: Array<[string, string]> = [
    ['runbook', d.runbook ?? '-'],
    ['when', d.specText],
    ['next runs', d.info.nextRuns.slice(0, 3).join(', ') || '-'],
    [
      'state',
      d.state.paused
        ? `paused${d.state.note ? ` (${d.state.note})` : ''}`
        : `active${d.state.note ? ` (${d.state.note})` : ''}`,
    ],
    ['overlap', `${d.policies.overlap} (skipped so far: ${d.info.skippedOverlap})`],
    [
      'catch-up window',
      `${d.policies.catchupWindow} (missed so far: ${d.info.missedCatchupWindow})`,
    ],
    ['workflow ids', `${d.action.workflowIdPrefix ?? '-'}-<fire time>`],
    ['task queue', d.action.taskQueue],
    ['input', JSON.stringify(d.action.input)],
    ['note', d.note ?? '-'],
  ];
  const width = Math.max(...lines.map(([k]) => k.length));
  const runs =
    d.recentRuns.length === 0
      ? 'no runs yet'
      : textTable(
          ['STARTED', 'WORKFLOW ID', 'STATUS', 'OUTCOME', 'RTO'],
          d.recentRuns.map((r) => [
            r.takenAt,
            r.workflowId,
            r.status,
            r.outcome ?? '-',
            r.rtoSeconds === null ? '-' : `${r.rtoSeconds}s`,
          ]),
        );
  return [
    `schedule ${d.id}`,
    ...lines.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`),
    '',
    runs,
  ].join('\n');
}

/**
 * `rackshift schedule create|list|describe|pause|unpause|trigger|delete`: Temporal Schedules of
 * runbooks (DR drills), through the API.
 */
export function registerScheduleCommands(program: Command): void {
  const schedule = program
    .command('schedule')
    .description('run DR drills on a schedule (Temporal Schedules, through the API)');
  const sub = (name: string, description: string): Command =>
    apiOptions(schedule.command(name).description(description)).option(
      '--json',
      'print the raw JSON',
    );

  sub('create', 'create a schedule: exactly one of --cron and --every, and the runbook input')
    .argument('<id>', 'schedule id: lower-case letters, digits, ".", "_" or "-"')
    .option('--runbook <name>', 'runbook to run (only dr-drill may be scheduled)', 'dr-drill')
    .option(
      '--cron <expr>',
      'five cron fields, read in --timezone: "0 3 * * SUN" is Sundays at 03:00',
    )
    .option('--every <interval>', 'an interval from the Unix epoch: 10s at least, e.g. 6h or 7d')
    .option('--jitter <duration>', 'delay each fire by a random amount up to this, e.g. 10m')
    .option('--timezone <zone>', 'IANA zone the cron fields are read in (default UTC)')
    .option(
      '--catchup-window <duration>',
      'a fire missed while Temporal was down still runs within this (default 1h)',
    )
    .option('--input <json>', 'runbook input as JSON', jsonOption)
    .option('--input-file <file>', 'runbook input from a JSON file')
    .option('--paused', 'create it paused')
    .option('--note <text>', 'what the schedule is for')
    .action(
      async (
        id: string,
        opts: Options & {
          runbook: string;
          cron?: string;
          every?: string;
          jitter?: string;
          timezone?: string;
          catchupWindow?: string;
          input?: unknown;
          inputFile?: string;
          paused?: boolean;
          note?: string;
        },
      ) => {
        const body = {
          id,
          runbook: opts.runbook,
          input: runbookInput(opts),
          spec: {
            ...(opts.cron !== undefined && { cron: opts.cron }),
            ...(opts.every !== undefined && { interval: opts.every }),
            ...(opts.jitter !== undefined && { jitter: opts.jitter }),
            ...(opts.timezone !== undefined && { timezone: opts.timezone }),
          },
          ...(opts.catchupWindow !== undefined && { catchupWindow: opts.catchupWindow }),
          ...(opts.paused && { paused: true }),
          ...(opts.note !== undefined && { note: opts.note }),
        };
        print(
          opts,
          await new ApiClient(opts).request<Details>('POST', '/api/v1/schedules', body),
          (d) => `created\n${detailsText(d)}`,
        );
      },
    );

  sub('list', 'every schedule: when it fires, whether it is paused, its next and last run').action(
    async (opts: Options) => {
      print(
        opts,
        await new ApiClient(opts).request<{ schedules: ListItem[] }>('GET', '/api/v1/schedules'),
        ({ schedules }) =>
          schedules.length === 0
            ? 'no schedules'
            : textTable(
                ['ID', 'RUNBOOK', 'WHEN', 'STATE', 'NEXT RUN', 'LAST RUN'],
                schedules.map((s) => [
                  s.id,
                  s.runbook ?? '-',
                  s.specText,
                  s.paused ? 'paused' : 'active',
                  s.paused ? '-' : (s.nextRuns[0] ?? '-'),
                  s.recentActions[0]?.workflowId ?? '-',
                ]),
              ),
      );
    },
  );

  sub(
    'describe',
    'one schedule: spec, policies, state, and its recent runs with their outcome and RTO',
  )
    .argument('<id>')
    .action(async (id: string, opts: Options) => {
      print(opts, await new ApiClient(opts).request<Details>('GET', path(id)), detailsText);
    });

  const verbs = {
    pause: 'stop firing (a drill already running goes on)',
    unpause: 'fire again on the spec',
  } as const;
  for (const verb of ['pause', 'unpause'] as const) {
    sub(verb, verbs[verb])
      .argument('<id>')
      .option('--note <text>', `why (kept as the schedule's note)`)
      .action(async (id: string, opts: Options & { note?: string }) => {
        const answer = await new ApiClient(opts).request<{
          id: string;
          paused: boolean;
          note: string | null;
        }>('POST', path(id, verb), opts.note === undefined ? {} : { note: opts.note });
        print(
          opts,
          answer,
          (a) => `${a.id}: ${a.paused ? 'paused' : 'active'}${a.note ? ` (${a.note})` : ''}`,
        );
      });
  }

  sub('trigger', 'start a run now, as if the schedule fired')
    .argument('<id>')
    .option(
      '--overlap <policy>',
      'when a run of the schedule is still going: SKIP (default), BUFFER_ONE, BUFFER_ALL, CANCEL_OTHER, TERMINATE_OTHER or ALLOW_ALL',
    )
    .action(async (id: string, opts: Options & { overlap?: string }) => {
      const answer = await new ApiClient(opts).request<{ id: string; overlap: string }>(
        'POST',
        path(id, 'trigger'),
        opts.overlap === undefined ? {} : { overlap: opts.overlap },
      );
      print(
        opts,
        answer,
        (a) =>
          `${a.id}: triggered (overlap ${a.overlap}); \`rackshift schedule describe ${a.id}\` shows the run`,
      );
    });

  sub('delete', 'delete a schedule (its runs and their reports stay)')
    .argument('<id>')
    .action(async (id: string, opts: Options) => {
      print(
        opts,
        await new ApiClient(opts).request<{ id: string }>('DELETE', path(id)),
        (a) => `${a.id}: deleted`,
      );
    });
}
