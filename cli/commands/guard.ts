import type { Command } from 'commander';
import type { GuardStatus } from '../../workflows/site-guard/guard-messages';
import { ApiClient } from '../api-client';
import { apiOptions, type ApiCommandOptions } from '../api-options';
import { textTable } from '../text-table';

type Options = ApiCommandOptions & { json?: boolean };
type GuardView = GuardStatus | { site: string; state: 'not-running' };

const isRunning = (g: GuardView): g is GuardStatus => g.state !== 'not-running';

/** One line per guard, then its pending approvals and its latest events. */
function guardText(guards: readonly GuardView[]): string {
  const rows = guards.map((g) => {
    if (!isRunning(g)) return [g.site, g.state, '-', '-', '-', '-', '-'];
    const p = g.lastProbe;
    return [
      g.site,
      g.state,
      p?.at ?? '-',
      p ? `${p.bmcDark}/${p.machines}` : '-',
      p ? String(p.personasDown) : '-',
      String(g.events.length),
      String(g.pendingApprovals.length),
    ];
  });
  const lines = [
    textTable(
      ['SITE', 'STATE', 'LAST PROBE', 'BMC DARK', 'PERSONAS DOWN', 'EVENTS', 'APPROVALS'],
      rows,
    ),
  ];
  for (const g of guards.filter(isRunning)) {
    if (g.paused)
      lines.push(
        `${g.site}: paused${g.paused.by ? ` by ${g.paused.by}` : ''} at ${g.paused.at}${g.paused.reason ? `: ${g.paused.reason}` : ''}`,
      );
    if (g.lastProbe?.doubt) lines.push(`${g.site}: view doubtful: ${g.lastProbe.doubt}`);
    for (const run of g.pendingApprovals)
      lines.push(`${g.site}: waiting for approval: ${run} (rackshift runs approve ${run})`);
    for (const e of g.events.slice(-5)) {
      const actions = e.actions
        .map(
          (a) =>
            `${a.kind}${a.approval ? `/${a.approval}` : ''} ${a.state}${a.run ? ` ${a.run}` : ''}${a.error ? ` (${a.error})` : ''}`,
        )
        .join('; ');
      lines.push(
        `${g.site}: ${e.id} ${e.at} ${e.kind} ${e.machines.map((m) => `${m.machine}(${m.persona})`).join(', ')}: ${actions || 'deciding'}`,
      );
    }
  }
  return lines.join('\n');
}

/** `rackshift guard status|pause|resume`: the site guards, through the API. */
export function registerGuardCommands(program: Command): void {
  const guard = program
    .command('guard')
    .description('site guards: what they watch, what they did, pause and resume');

  apiOptions(
    guard
      .command('status', { isDefault: true })
      .description('(the default) every site guard: state, last probe, events, pending approvals'),
  )
    .option('--json', 'print the raw JSON')
    .action(async (opts: Options) => {
      const answer = await new ApiClient(opts).request<{ guards: GuardView[] }>(
        'GET',
        '/api/v1/guards',
      );
      console.log(opts.json ? JSON.stringify(answer, null, 2) : guardText(answer.guards));
    });

  for (const verb of ['pause', 'resume'] as const) {
    apiOptions(
      guard
        .command(verb)
        .description(
          verb === 'pause'
            ? 'stop probing and acting (restores already started go on)'
            : 'probe and act again, counting from a clean slate',
        )
        .argument('<site>'),
    )
      .option('--by <who>', 'who does it (for the status and the notification)')
      .option('--reason <text>', 'why')
      .action(async (site: string, opts: Options & { by?: string; reason?: string }) => {
        const body = {
          ...(opts.by && { by: opts.by }),
          ...(opts.reason && { reason: opts.reason }),
        };
        const status = await new ApiClient(opts).request<GuardStatus>(
          'POST',
          `/api/v1/guards/${encodeURIComponent(site)}/${verb}`,
          body,
        );
        console.log(`${site}: ${status.state}`);
      });
  }
}
