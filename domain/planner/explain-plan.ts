import type { FailoverPlan, Restoration } from './failover-plan';
import type { Placement } from './planner-input';

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

const where = (p: Placement): string =>
  p.kind === 'machine' ? p.machine : p.kind === 'vm' ? `vm on ${p.host}` : '-';

function outcome(r: Restoration): [string, string] {
  if (r.outcome === 'not-restored') return ['not restored', `${r.reason}: ${r.detail}`];
  if (r.target.kind === 'machine') return ['machine', r.target.machine];
  return ['vm', `${r.target.host}${r.target.newHost ? ' (new host)' : ''}`];
}

/**
 * The plan as plain text tables, for `rackshift` output, the API's text view and approval prompts.
 */
export function explainPlan(plan: FailoverPlan): string {
  const restored = plan.restorations.filter((r) => r.outcome === 'restored').length;
  const out = [
    `Failover plan for ${plan.failedMachines.length} failed machine(s): ${plan.failedMachines.join(', ')}`,
    `${restored} of ${plan.restorations.length} lost persona(s) restored; ${plan.search.optimal ? 'optimal' : 'best found within the search budget'} (${plan.search.nodes} nodes searched)`,
    '',
    ...table(
      ['PRIO', 'PERSONA', 'FROM', 'OUTCOME', 'TARGET / REASON'],
      plan.restorations.map((r) => [String(r.priority), r.persona, where(r.from), ...outcome(r)]),
    ),
  ];
  if (plan.hypervisorHosts.length > 0) {
    out.push(
      '',
      'New hypervisor hosts:',
      ...table(
        ['HOST', 'CLUSTER', 'IMAGE', 'VMS'],
        plan.hypervisorHosts.map((h) => [h.machine, h.cluster ?? '-', h.image, h.vms.join(', ')]),
      ),
    );
  }
  if (plan.evictions.length > 0) {
    out.push(
      '',
      'Evictions:',
      ...table(
        ['MACHINE', 'OCCUPANT', 'PRIO', 'FOR'],
        plan.evictions.map((e) => [e.machine, e.occupant, String(e.occupantPriority), e.for]),
      ),
    );
  }
  if (plan.groups.length > 0) {
    out.push(
      '',
      'Execution groups (each starts when the one above has finished):',
      ...table(
        ['PRIO', 'HOSTS FIRST', 'PERSONAS'],
        plan.groups.map((g) => [
          String(g.priority),
          g.hypervisorHosts.join(', ') || '-',
          g.personas.join(', '),
        ]),
      ),
    );
  }
  out.push(
    '',
    ...table(
      ['PRIO', 'LOST', 'RESTORED', 'EVICTED'],
      plan.tally
        .filter((t) => t.lost + t.evicted > 0)
        .map((t) => [String(t.priority), String(t.lost), String(t.restored), String(t.evicted)]),
    ),
  );
  return `${out.join('\n')}\n`;
}
