import { WorkflowFailedError, type Client } from '@temporalio/client';
import { readdirSync, readFileSync } from 'node:fs';
import type { LedgerState } from '../../inventory/ledger-records';
import type { Topology } from '../../inventory/topology-schema';
import type { Lab } from '../../lab/lab';

/** How one run of the soak ended, from its own result (or failure) as Temporal keeps it. */
export interface RunOutcome {
  readonly workflowId: string;
  /** The runbook it was started as, or `<runbook> child`. */
  readonly runbook: string;
  readonly status: string;
  /** The report's outcome (completed, compensated, clean…), or what went wrong. */
  readonly outcome: string;
  readonly detail: string;
  /** Stuck, left something to fix, or failed without compensating. */
  readonly bad: boolean;
}

interface AnyReport {
  readonly outcome?: string;
  readonly leftToFix?: readonly string[];
  readonly steps?: unknown;
  /** A drill's clean-up. */
  readonly cleanup?: { readonly outcome: string; readonly leftToFix: readonly string[] };
  readonly error?: { readonly type: string; readonly message: string };
}

/**
 * Every run of the namespace but the ledgers, each judged: a run must have completed, or failed
 * with its saga's report saying compensated (or no-capacity: refused, a machine leased by another
 * run, before any change) and nothing left to fix. A run still open is stuck
 * (the soak's runs are all over by then).
 */
export async function auditRuns(
  client: Client,
  started: ReadonlyArray<{ readonly runbook: string; readonly id: string }>,
): Promise<RunOutcome[]> {
  const out: RunOutcome[] = [];
  const runbookOf = (id: string): string => {
    const own = started.find((s) => s.id === id);
    if (own) return own.runbook;
    const parent = started.find((s) => id.startsWith(`${s.id}/`));
    return parent ? `${parent.runbook} child` : 'not started by the soak';
  };
  for await (const w of client.workflow.list({ query: `WorkflowType != 'siteLedger'` })) {
    const row = (outcome: string, detail: string, bad: boolean): RunOutcome => ({
      workflowId: w.workflowId,
      runbook: runbookOf(w.workflowId),
      status: w.status.name,
      outcome,
      detail,
      bad,
    });
    if (w.status.name === 'RUNNING') {
      out.push(row('stuck', 'still running after the soak', true));
      continue;
    }
    const handle = client.workflow.getHandle(w.workflowId, w.runId, { followRuns: false });
    try {
      const r = (await handle.result()) as AnyReport;
      // A drill's own clean-up (its drill-copy children report theirs in another shape).
      const drill = typeof r?.cleanup?.outcome === 'string' ? r.cleanup : undefined;
      const left = [...(r?.leftToFix ?? []), ...(drill?.leftToFix ?? [])];
      const cleanup = drill ? `clean-up ${drill.outcome}` : '';
      out.push(
        row(
          r?.outcome ?? 'completed',
          [cleanup, ...left].filter((x) => x !== '').join('; '),
          left.length > 0 || (drill !== undefined && drill.outcome !== 'clean'),
        ),
      );
    } catch (e) {
      if (!(e instanceof WorkflowFailedError)) {
        out.push(row(w.status.name.toLowerCase(), (e as Error).message, true));
        continue;
      }
      const report = (e.cause as { details?: unknown[] } | undefined)?.details?.[0] as
        | AnyReport
        | undefined;
      const cause = report?.error
        ? `${report.error.type}: ${report.error.message}`
        : (e.cause?.message ?? e.message);
      if (report?.steps === undefined) {
        out.push(row('failed', cause, true));
        continue;
      }
      const left = report.leftToFix ?? [];
      out.push(
        row(
          report.outcome ?? 'failed',
          left.length > 0 ? `left to fix: ${left.join('; ')}` : cause,
          !['compensated', 'no-capacity'].includes(report.outcome ?? '') || left.length > 0,
        ),
      );
    }
  }
  return out;
}

interface Described {
  readonly arrays?: Record<string, { readonly luns: Record<string, unknown> }>;
  readonly hypervisors?: Record<string, { readonly domains: Record<string, unknown> }>;
}

/**
 * What the ledger/lab checker does not look at, which a crashed run could still leave behind: a
 * VM on a host that the ledger does not place there (or on a machine that is no host), a LUN the
 * topology does not declare (a drill copy, a P2V volume), and a LUN masked to a hypervisor host
 * that is neither its cluster's datastore nor the disk of a VM placed on it.
 */
export function labLeaks(lab: Lab, topology: Topology, ledger: LedgerState): string[] {
  const leaks: string[] = [];
  const described = lab.describe() as Described;
  const vmsOn = (host: string): string[] =>
    Object.entries(ledger.placements)
      .filter(([, p]) => p.kind === 'vm' && p.host === host)
      .map(([persona]) => persona);
  for (const [host, h] of Object.entries(described.hypervisors ?? {})) {
    const placed = new Set(vmsOn(host));
    for (const vm of Object.keys(h.domains))
      if (!placed.has(vm)) leaks.push(`${host}: VM ${vm}, which the ledger does not place there`);
  }
  const declared = new Set(
    topology.sites.flatMap((s) =>
      (s.arrays ?? []).flatMap((a) => a.luns.map((l) => `${a.id}/${l.id}`)),
    ),
  );
  for (const [array, a] of Object.entries(described.arrays ?? {}))
    for (const lun of Object.keys(a.luns))
      if (!declared.has(`${array}/${lun}`))
        leaks.push(`${array}: LUN ${lun}, which the topology does not declare`);

  const san = lab.sanView;
  for (const machine of topology.sites.flatMap((s) => s.machines)) {
    const record = ledger.machines[machine.id];
    const iqn = machine.storage.iqn;
    if (record?.role !== 'hypervisor' || iqn === undefined || san === undefined) continue;
    const cluster = topology.clusters.find((c) => c.name === record.cluster);
    const allowed = new Set([
      ...(cluster?.datastores ?? []).map((d) => `${d.array}/${d.lun}`),
      ...vmsOn(machine.id).flatMap((p) =>
        (topology.personas.find((x) => x.name === p)?.luns ?? []).map((l) => `${l.array}/${l.lun}`),
      ),
    ]);
    for (const array of Object.keys(described.arrays ?? {}))
      for (const lun of san.lunsVisibleTo(array, iqn))
        if (!allowed.has(`${array}/${lun}`))
          leaks.push(`${machine.id} (host): sees ${array}/${lun}, which nothing on it uses`);
  }
  return leaks;
}

/** Processes (other than this one) whose command line names any of `needles`. */
export function survivingProcesses(needles: readonly string[]): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    if (Number(pid) === process.pid) continue;
    let cmd: string;
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
    } catch {
      continue;
    }
    if (needles.some((n) => cmd.includes(n))) found.push(`${pid}: ${cmd.slice(0, 160)}`);
  }
  return found;
}

/** A fixed-width text table for the test's output. */
export function table(head: readonly string[], rows: ReadonlyArray<readonly unknown[]>): string {
  const cells = [head, ...rows.map((r) => r.map((c) => String(c)))];
  const widths = head.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells.map((r) => r.map((c, i) => (c ?? '').padEnd(widths[i]!)).join('  ')).join('\n');
}
