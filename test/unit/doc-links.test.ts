import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

/*
 * Every relative link in README.md and docs/ leads somewhere: the file exists, and a `#anchor`
 * names a heading of the linked page (GitHub's slugs). Docs move often; a dead link is found here
 * rather than by a reader.
 */
const ROOT = join(__dirname, '..', '..');

function markdownFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return markdownFiles(path);
    return name.endsWith('.md') ? [path] : [];
  });
}

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/`/g, '')
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchorsOf(file: string): Set<string> {
  const text = readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '');
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const m of text.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = slug(m[1]!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

function deadLinks(file: string): string[] {
  const text = readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '');
  const dead: string[] = [];
  for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    const target = m[1]!;
    if (/^[a-z]+:/i.test(target)) continue;
    const [path, anchor] = target.split('#') as [string, string | undefined];
    const to = path === '' ? file : join(dirname(file), decodeURIComponent(path));
    if (!existsSync(to)) {
      dead.push(`${relative(ROOT, file)}: ${target} (no such file)`);
      continue;
    }
    if (anchor !== undefined && to.endsWith('.md') && !anchorsOf(to).has(anchor))
      dead.push(`${relative(ROOT, file)}: ${target} (no such heading)`);
  }
  return dead;
}

describe('documentation links', () => {
  const files = [join(ROOT, 'README.md'), ...markdownFiles(join(ROOT, 'docs'))];

  it('finds the pages and their links', () => {
    expect(files.length).toBeGreaterThan(20);
    expect(readFileSync(files[0]!, 'utf8')).toContain('](docs/');
  });

  it('has no relative link to a missing file or heading', () => {
    expect(files.flatMap(deadLinks)).toEqual([]);
  });

  it('knows a dead link when it sees one', () => {
    expect(slug("Planned failover across sites (SRM's planned migration)")).toBe(
      'planned-failover-across-sites-srms-planned-migration',
    );
    expect(slug('`docker-compose.yml`')).toBe('docker-composeyml');
  });
});
