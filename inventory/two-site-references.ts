import type { FieldIssue } from '../common/errors';
import type { Topology } from './topology-schema';

/**
 * The cross-site rules the schema cannot check: per-site VLAN ids and boot servers name real
 * sites and do not collide, and every replication pairs two real LUNs of the same size on arrays
 * at different sites, with the read-only side named by no persona or cluster.
 */
export function twoSiteIssues(t: Topology): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const sites = new Set(t.sites.map((s) => s.name));
  const unknownSite = (site: string, path: string): boolean => {
    if (sites.has(site)) return false;
    issues.push({ path, message: `unknown site "${site}"` });
    return true;
  };

  t.networks.forEach((n, i) => {
    for (const [site, vlan] of Object.entries(n.siteVlans ?? {})) {
      const path = `networks[${i}].siteVlans.${site}`;
      if (unknownSite(site, path)) continue;
      const other = t.networks.find(
        (o) => o.name !== n.name && (o.siteVlans?.[site] ?? o.vlan) === vlan,
      );
      if (other !== undefined)
        issues.push({
          path,
          message: `VLAN ${vlan} is already network "${other.name}"'s VLAN at site "${site}"`,
        });
    }
  });

  t.bootImages.forEach((b, i) => {
    if (b.kind === 'san') return;
    for (const site of Object.keys(b.servers ?? {}))
      unknownSite(site, `bootImages[${i}].servers.${site}`);
  });

  const arrays = new Map(
    t.sites.flatMap((s) => s.arrays.map((a) => [a.id, { site: s.name, array: a }] as const)),
  );
  const replicated = new Map<string, string>();
  const readOnly = new Map<string, string>();
  t.replication.forEach((r, i) => {
    const at = `replication[${i}]`;
    const sides = (['source', 'replica'] as const).map((side) => {
      const ref = r[side];
      const found = arrays.get(ref.array);
      if (found === undefined) {
        issues.push({ path: `${at}.${side}.array`, message: `unknown array "${ref.array}"` });
        return undefined;
      }
      const lun = found.array.luns.find((l) => l.id === ref.lun);
      if (lun === undefined) {
        issues.push({
          path: `${at}.${side}.lun`,
          message: `unknown LUN "${ref.lun}" on array "${ref.array}" (declare it in its luns)`,
        });
        return undefined;
      }
      const key = `${ref.array}/${ref.lun}`;
      const earlier = replicated.get(key);
      if (earlier !== undefined)
        issues.push({
          path: `${at}.${side}.lun`,
          message: `LUN "${ref.lun}" on array "${ref.array}" is already replicated at ${earlier}; a LUN has at most one replica`,
        });
      else replicated.set(key, `${at}.${side}`);
      return { site: found.site, lun };
    });
    const [source, replica] = sides;
    if (source === undefined || replica === undefined) return;
    if (source.site === replica.site)
      issues.push({
        path: `${at}.replica.array`,
        message: `array "${r.replica.array}" is at site "${replica.site}" like the source; a replica lives on an array at another site`,
      });
    if (source.lun.sizeGiB !== replica.lun.sizeGiB)
      issues.push({
        path: `${at}.replica.lun`,
        message: `LUN "${r.replica.lun}" is ${replica.lun.sizeGiB} GiB but its source "${r.source.lun}" is ${source.lun.sizeGiB} GiB; a replica has its source's size`,
      });
    const secondary = r.direction === 'source-to-replica' ? 'replica' : 'source';
    readOnly.set(`${r[secondary].array}/${r[secondary].lun}`, `${at}.${secondary}`);
  });

  const namesReadOnly = (array: string, lun: string, path: string): void => {
    const side = readOnly.get(`${array}/${lun}`);
    if (side !== undefined)
      issues.push({
        path,
        message: `LUN "${lun}" on array "${array}" is the read-only side of ${side.replace(/\.\w+$/, '')} until promoted; name its primary, and a failover uses the replica`,
      });
  };
  t.personas.forEach((p, i) =>
    p.luns.forEach((l, j) => namesReadOnly(l.array, l.lun, `personas[${i}].luns[${j}].lun`)),
  );
  t.clusters.forEach((c, i) =>
    c.datastores.forEach((d, j) =>
      namesReadOnly(d.array, d.lun, `clusters[${i}].datastores[${j}].lun`),
    ),
  );
  return issues;
}
