/**
 * Draws wall time and critical path against the number of lost personas, as SVG, from the
 * failover results of record (docs/benchmarks/failover-<N>-<profile>.json): one chart per
 * profile, docs/benchmarks/failover-<profile>.svg. No chart library: a few lines and circles.
 * Run: npm run bench -- chart
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const DIR = join(__dirname, '..', 'docs', 'benchmarks');

export interface ChartPoint {
  readonly personas: number;
  readonly wallMs: number;
  readonly criticalPathMs: number;
  /** The plain, non-durable script's wall time on the same plan, where it was run. */
  readonly plainWallMs?: number;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/** An SVG line chart of wall and critical path (seconds, log scale) against lost personas. */
export function failoverChartSvg(title: string, points: readonly ChartPoint[]): string {
  const W = 640;
  const H = 360;
  const L = 70;
  const R = 20;
  const T = 40;
  const B = 50;
  const sorted = [...points].sort((a, b) => a.personas - b.personas);
  const secs = sorted
    .flatMap((p) => [p.wallMs, p.criticalPathMs, p.plainWallMs ?? p.wallMs])
    .map((ms) => ms / 1000);
  const lo = Math.floor(Math.log10(Math.max(0.01, Math.min(...secs))));
  const hi = Math.ceil(Math.log10(Math.max(...secs, 1)));
  const maxN = Math.max(...sorted.map((p) => p.personas));
  const x = (n: number): number => L + ((W - L - R) * n) / maxN;
  const y = (s: number): number =>
    H - B - ((H - T - B) * (Math.log10(Math.max(s, 10 ** lo)) - lo)) / Math.max(1, hi - lo);
  const line = (pick: (p: ChartPoint) => number | undefined, color: string): string => {
    const has = sorted.filter((p) => pick(p) !== undefined);
    return (
      `<polyline fill="none" stroke="${color}" stroke-width="2" points="${has
        .map((p) => `${x(p.personas).toFixed(1)},${y(pick(p)! / 1000).toFixed(1)}`)
        .join(' ')}"/>` +
      has
        .map(
          (p) =>
            `<circle cx="${x(p.personas).toFixed(1)}" cy="${y(pick(p)! / 1000).toFixed(1)}" r="3" fill="${color}"/>`,
        )
        .join('')
    );
  };
  const yTicks = Array.from({ length: hi - lo + 1 }, (_, i) => lo + i).map(
    (e) =>
      `<line x1="${L}" x2="${W - R}" y1="${y(10 ** e)}" y2="${y(10 ** e)}" stroke="#ddd"/>` +
      `<text x="${L - 6}" y="${y(10 ** e) + 4}" text-anchor="end">${10 ** e} s</text>`,
  );
  const xTicks = sorted.map(
    (p) => `<text x="${x(p.personas)}" y="${H - B + 18}" text-anchor="middle">${p.personas}</text>`,
  );
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${esc(title)}</text>`,
    ...yTicks,
    ...xTicks,
    `<text x="${(L + W - R) / 2}" y="${H - 12}" text-anchor="middle">lost personas</text>`,
    `<line x1="${L}" x2="${L}" y1="${T}" y2="${H - B}" stroke="black"/>`,
    `<line x1="${L}" x2="${W - R}" y1="${H - B}" y2="${H - B}" stroke="black"/>`,
    line((p) => p.wallMs, '#c0392b'),
    line((p) => p.criticalPathMs, '#2471a3'),
    line((p) => p.plainWallMs, '#27ae60'),
    `<text x="${L + 10}" y="${T + 4}" fill="#c0392b">wall</text>`,
    `<text x="${L + 50}" y="${T + 4}" fill="#2471a3">critical path</text>`,
    `<text x="${L + 140}" y="${T + 4}" fill="#27ae60">plain script (no Temporal)</text>`,
    '</svg>',
    '',
  ].join('\n');
}

function main(): void {
  for (const profile of ['fast', 'real']) {
    const points: (ChartPoint & { at: string })[] = [];
    for (const f of readdirSync(DIR)) {
      const m = new RegExp(`^failover-(\\d+)-${profile}\\.json$`).exec(f);
      if (m === null) continue;
      const r = JSON.parse(readFileSync(join(DIR, f), 'utf8')) as {
        at: string;
        results: ChartPoint & { plain?: { wallMs?: number } };
      };
      const plainWallMs = r.results.plain?.wallMs;
      points.push({ ...r.results, ...(plainWallMs !== undefined && { plainWallMs }), at: r.at });
    }
    if (points.length === 0) continue;
    const file = join(DIR, `failover-${profile}.svg`);
    writeFileSync(
      file,
      failoverChartSvg(
        `site-failover, ${profile} profile: wall, critical path, plain script`,
        points,
      ),
    );
    console.log(`${file}: ${points.map((p) => p.personas).join(', ')} personas`);
  }
}

if (require.main === module) main();
