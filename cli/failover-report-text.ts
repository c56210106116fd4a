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
};

export function isFailoverReport(value: unknown): value is FailoverReportView {
  const r = value as Partial<FailoverReportView> | undefined;
  return (r?.runbook === 'site-failover' || r?.runbook === 'dr-drill') && Array.isArray(r.personas) && Array.isArray(r.groups) && Array.isArray(r.notRestored);
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
  const restored = r.personas.filter((p) => p.outcome === 'restored').length;
  const approval = r.approval ? `, approval ${r.approval.decision}${r.approval.by ? ` by ${r.approval.by}` : ''}${r.approval.reason ? ` (${r.approval.reason})` : ''}` : '';
  const lines = [`  ${r.outcome} (${r.mode})${approval}; ${r.failedMachines.length} failed machine(s); ${restored} of ${r.plan?.restorations.length ?? r.personas.length} persona(s) restored`];
  if (r.plan !== undefined) {
    // A rejected or expired plan never ran: its moves are no longer "planned".
    const pending = r.outcome === 'awaiting-approval' || r.outcome === 'running' ? 'planned' : 'not run';
    const rows = r.plan.restorations.map((p) => {
      const done = outcomes.get(p.persona);
      const target = p.outcome === 'restored' ? (p.target.kind === 'machine' ? p.target.machine : `vm@${p.target.host}${p.target.newHost ? ' (new host)' : ''}`) : '-';
      return [p.persona, String(p.priority), target, done?.outcome ?? (p.outcome === 'restored' ? pending : 'not-restored'), seconds(done?.rtoSeconds)];
    });
    lines.push('', indent(textTable(['PERSONA', 'PRIORITY', 'TARGET', 'OUTCOME', 'RTO'], rows)));
  }
  if (r.groups.length > 0) {
    lines.push('', indent(textTable(['GROUP', 'PERSONAS', 'RESTORED', 'FAILED', 'RTO'], r.groups.map((g) => [`priority ${g.priority}`, String(g.personas.length), String(g.restored), String(g.failed), seconds(g.rtoSeconds)]))));
  }
  lines.push('');
  for (const h of r.hosts) lines.push(`  new hypervisor host ${h.machine}${h.cluster ? ` of cluster ${h.cluster}` : ''}: ${h.outcome}${h.error ? ` — ${h.error.type}: ${h.error.message}` : ''}`);
  for (const e of r.plan?.evictions ?? []) lines.push(`  eviction: ${e.occupant} (priority ${e.occupantPriority}) off ${e.machine}, for ${e.for}`);
  // While the plan waits for approval no persona has an outcome yet: the plan says what stays down.
  const planned = r.plan?.restorations.flatMap((p) => (p.outcome === 'not-restored' && !outcomes.has(p.persona) ? [{ persona: p.persona, reason: 'not-restored', detail: `${p.reason}: ${p.detail}` }] : [])) ?? [];
  for (const n of [...r.notRestored, ...planned]) lines.push(`  ${n.reason === 'not-restored' ? 'not restored' : n.reason}: ${n.persona}: ${n.detail}`);
  if (r.cleanup !== undefined) lines.push(`  clean-up: ${r.cleanup.outcome}`, ...r.cleanup.leftToFix.map((l) => `    left to fix: ${l}`));
  return lines.join('\n').replace(/\n+$/, '');
}
