import type { FieldIssue } from '../common/errors';
import type { TopologyIndex } from './topology-index';

/** A failover or drill scope: exactly one of the three (the input schemas check that). */
export interface ScopeSelector {
  readonly site?: string | undefined;
  readonly racks?: readonly string[] | undefined;
  readonly machines?: readonly string[] | undefined;
}

/** Names in the scope that the topology does not have, as field issues under `prefix`. */
export function scopeIssues(
  scope: ScopeSelector,
  topology: TopologyIndex,
  prefix = 'input',
): FieldIssue[] {
  const sites = topology.topology.sites;
  const issues: FieldIssue[] = [];
  if (scope.site !== undefined && !sites.some((s) => s.name === scope.site))
    issues.push({ path: `${prefix}.site`, message: `unknown site "${scope.site}"` });
  const racks = new Set(sites.flatMap((s) => s.racks.map((r) => r.name)));
  scope.racks?.forEach((r, i) => {
    if (!racks.has(r))
      issues.push({ path: `${prefix}.racks[${i}]`, message: `unknown rack "${r}"` });
  });
  scope.machines?.forEach((m, i) => {
    if (!topology.hasMachine(m))
      issues.push({ path: `${prefix}.machines[${i}]`, message: `unknown machine "${m}"` });
  });
  return issues;
}

/** The machines of a scope, sorted by id. Call scopeIssues first: unknown names select nothing. */
export function scopeMachines(scope: ScopeSelector, topology: TopologyIndex): string[] {
  const all = topology.topology.sites.flatMap((s) =>
    s.machines.map((m) => ({ id: m.id, site: s.name, rack: m.rack })),
  );
  const chosen = all.filter((m) =>
    scope.site !== undefined
      ? m.site === scope.site
      : scope.racks !== undefined
        ? scope.racks.includes(m.rack ?? '')
        : (scope.machines ?? []).includes(m.id),
  );
  return chosen.map((m) => m.id).sort();
}

/** The sites a scope touches (for search attributes). */
export function scopeSites(scope: ScopeSelector, topology: TopologyIndex): string[] {
  return [
    ...new Set(scopeMachines(scope, topology).map((m) => topology.machineSite(m).name)),
  ].sort();
}

/** A short label for workflow ids: `dc1`, `r1+r2`, `m-r1-01+2`. */
export function scopeLabel(scope: ScopeSelector): string {
  if (scope.site !== undefined) return scope.site;
  const list = scope.racks ?? scope.machines ?? [];
  return list.length <= 2 ? list.join('+') : `${list[0]}+${list.length - 1}`;
}
