import type { DrillSnapshot } from '../workflows/dr-drill/drill-report';
import type { FailoverReport } from '../workflows/site-failover/failover-report';
import { textTable } from './text-table';

/**
 * A site-failover or dr-drill report, final or as the `progress` query shows it while the run
 * goes on (outcome `running`, `awaiting-approval`). A drill's adds its clean-up.
 */
export type FailoverReportView = Omit<FailoverReport, 'outcome' | 'runbook'> & {
  readonly runbook: 'site-failover' | 'dr-drill';
  readonly outcome: FailoverReport['outcome'] | 'running' | 'awaiting-approval';
  readonly cleanup?: { readonly outcome: string; readonly leftToFix: readonly string[] };
  readonly snapshots?: readonly DrillSnapshot[];
};

/** A drill copy's replica snapshot: what it copies and the data point a failover would have had. */
function snapshotLine(s: DrillSnapshot): string {
  const asOf = s.dataAsOf ?? `the link break (link ${s.link})`;
  return `  replica snapshot: ${s.persona}: ${s.snapshot} of ${s.replica.lun} on ${s.replica.array} (${s.mode} replica of ${s.source.lun}), taken ${s.takenAt}, data as of ${asOf}, RPO ${s.rpoSeconds}s`;
}

export function isFailoverReport(value: unknown): value is FailoverReportView {
  const r = value as Partial<FailoverReportView> | undefined;
  return (
    (r?.runbook === 'site-failover' || r?.runbook === 'dr-drill') &&
    Array.isArray(r.personas) &&
    Array.isArray(r.groups) &&
    Array.isArray(r.notRestored)
  );
}

/**
 * What a drill's persona outcomes mean: a copy came up in the bubble (or did not); nothing was
 * restored.
 */
const DRILL_OUTCOMES: Readonly<Record<string, string>> = {
  restored: 'copy up',
  failed: 'copy failed',
  skipped: 'copy skipped',
  planned: 'planned',
  'not run': 'not run',
  'not-restored': 'no copy',
};

type EvictionView =
  | NonNullable<FailoverReport['evictions']>[number]
  | (Omit<NonNullable<FailoverReport['evictions']>[number], 'outcome'> & {
      readonly outcome: 'planned';
    });

function evictionLine(e: EvictionView, drill: boolean): string {
  const who = `${e.occupant} (priority ${e.occupantPriority}) off ${e.machine}, for ${e.for}`;
  if (e.outcome === 'planned') return `  planned eviction: ${who}`;
  if (e.outcome === 'evicted')
    return `  eviction: ${who}${drill ? " (for the drill's length)" : ''}`;
  return `  eviction not done: ${who}: ${e.reason ?? 'its move did not reach the eviction'}`;
}

const seconds = (s: number | undefined): string => (s === undefined ? '-' : `${s}s`);
const indent = (text: string): string => text.replace(/^/gm, '  ');

/**
 * What an operator reads of a failover: the plan with each persona's outcome and RTO, the
 * priority groups' RTOs, new hosts, evictions, and what stays down and why. The whole report
 * (every child's steps) is `rackshift runs show <runId> --json`.
 */
export function failoverReportText(r: FailoverReportView): string {
  const outcomes = new Map(r.personas.map((p) => [p.persona, p]));
  const drill = r.runbook === 'dr-drill';
  const outcomeLabel = (o: string): string => (drill ? (DRILL_OUTCOMES[o] ?? o) : o);
  const restored = r.personas.filter((p) => p.outcome === 'restored').length;
  const approval = r.approval
    ? `, approval ${r.approval.decision}${r.approval.by ? ` by ${r.approval.by}` : ''}${r.approval.reason ? ` (${r.approval.reason})` : ''}`
    : '';
  const of = r.plan?.restorations.length ?? r.personas.length;
  // A drill fails nothing and restores nothing: it pretends machines lost and brings up copies,
  // then cleans them up.
  const headline =
    r.runbook === 'dr-drill'
      ? `rehearsal ${r.outcome}; ${r.failedMachines.length} machine(s) pretended lost; drill copies up for ${restored} of ${of} persona(s)`
      : `runbook outcome ${r.outcome} (${r.mode})${approval}; ${r.failedMachines.length} failed machine(s); ${restored} of ${of} persona(s) restored`;
  const lines = [`  ${headline}`];
  if (r.plan !== undefined) {
    // A rejected or expired plan never ran: its moves are no longer "planned".
    const pending =
      r.outcome === 'awaiting-approval' || r.outcome === 'running' ? 'planned' : 'not run';
    const rows = r.plan.restorations.map((p) => {
      const done = outcomes.get(p.persona);
      const target =
        p.outcome === 'restored'
          ? p.target.kind === 'machine'
            ? p.target.machine
            : `vm@${p.target.host}${p.target.newHost ? ' (new host)' : ''}`
          : '-';
      return [
        p.persona,
        String(p.priority),
        target,
        outcomeLabel(done?.outcome ?? (p.outcome === 'restored' ? pending : 'not-restored')),
        seconds(done?.rtoSeconds),
      ];
    });
    lines.push('', indent(textTable(['PERSONA', 'PRIORITY', 'TARGET', 'OUTCOME', 'RTO'], rows)));
  }
  if (r.groups.length > 0) {
    lines.push(
      '',
      indent(
        textTable(
          [
            'GROUP',
            'PERSONAS',
            drill ? 'COPIES UP' : 'RESTORED',
            drill ? 'NOT UP' : 'FAILED',
            'RTO',
          ],
          r.groups.map((g) => [
            `priority ${g.priority}`,
            String(g.personas.length),
            String(g.restored),
            String(g.failed),
            seconds(g.rtoSeconds),
          ]),
        ),
      ),
    );
  }
  lines.push('');
  for (const h of r.hosts)
    lines.push(
      `  new hypervisor host ${h.machine}${h.cluster ? ` of cluster ${h.cluster}` : ''}: ${h.outcome}${h.error ? ` — ${h.error.type}: ${h.error.message}` : ''}`,
    );
  // Only evictions a move really did are evictions; the plan's are "planned" until the moves have
  // run.
  for (const e of r.evictions ??
    r.plan?.evictions.map((p) => ({ ...p, outcome: 'planned' as const })) ??
    [])
    lines.push(evictionLine(e, drill));
  // While the plan waits for approval no persona has an outcome yet: the plan says what stays down.
  const planned =
    r.plan?.restorations.flatMap((p) =>
      p.outcome === 'not-restored' && !outcomes.has(p.persona)
        ? [{ persona: p.persona, reason: 'not-restored', detail: `${p.reason}: ${p.detail}` }]
        : [],
    ) ?? [];
  for (const n of [...r.notRestored, ...planned])
    lines.push(
      `  ${drill ? outcomeLabel(n.reason) : n.reason === 'not-restored' ? 'not restored' : n.reason}: ${n.persona}: ${n.detail}`,
    );
  for (const s of r.snapshots ?? []) lines.push(snapshotLine(s));
  if (r.cleanup !== undefined) {
    const clean =
      r.cleanup.outcome === 'clean'
        ? ' (every copy undone, every machine as it was, evicted occupants healthy again)'
        : '';
    lines.push(
      `  clean-up: ${r.cleanup.outcome}${clean}`,
      ...r.cleanup.leftToFix.map((l) => `    left to fix: ${l}`),
    );
  }
  return lines.join('\n').replace(/\n+$/, '');
}
