import { z } from 'zod';
import { formatPath } from '../common/field-path';

/**
 * The parts of a DrillReport (workflows/dr-drill/drill-report.ts) the API summarizes. A run's
 * result is data from history, written by whatever version of the drill ran then: it is checked
 * here, and a result that does not fit is shown as such instead of failing the whole list.
 */
const drillReportSchema = z.looseObject({
  runbook: z.literal('dr-drill'),
  outcome: z.string(),
  startedAt: z.string(),
  endedAt: z.string(),
  rtoSeconds: z.number().optional(),
  personas: z.array(z.looseObject({ persona: z.string(), outcome: z.string() })),
  groups: z.array(
    z.looseObject({
      priority: z.number(),
      rtoSeconds: z.number().optional(),
      restored: z.number(),
      failed: z.number(),
      personas: z.array(z.string()),
    }),
  ),
  notRestored: z.array(z.looseObject({ persona: z.string() })),
  cleanup: z.looseObject({ outcome: z.string(), leftToFix: z.array(z.string()) }),
  /**
   * The scope's machines, pretended lost (reports of every drill version have it; a stand-in's may
   * not).
   */
  failedMachines: z.array(z.string()).optional(),
});

export interface DrillSummary {
  /**
   * One line in a rehearsal's words: a drill fails no machine and restores no persona; it pretends
   * machines lost, brings up copies of their personas in a bubble, and cleans them up.
   */
  readonly headline: string;
  readonly outcome: string;
  /** The slowest restored persona, from the drill's start; null when none came back. */
  readonly rtoSeconds: number | null;
  readonly groups: ReadonlyArray<{
    readonly priority: number;
    readonly personas: number;
    readonly rtoSeconds: number | null;
    readonly restored: number;
    readonly failed: number;
  }>;
  readonly restored: number;
  readonly notRestored: number;
  readonly cleanup: { readonly outcome: string; readonly leftToFix: number };
}

/** A completed drill's result → its summary, or why the result is not a drill report. */
export function drillSummary(result: unknown): { summary: DrillSummary } | { unreadable: string } {
  const parsed = drillReportSchema.safeParse(result);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return {
      unreadable: `the run's result is not a drill report: ${formatPath(issue.path) || '(root)'}: ${issue.message}`,
    };
  }
  const r = parsed.data;
  const restored = new Set(
    r.personas.filter((p) => p.outcome === 'restored').map((p) => p.persona),
  );
  const notRestored = new Set(
    [...r.personas.map((p) => p.persona), ...r.notRestored.map((p) => p.persona)].filter(
      (p) => !restored.has(p),
    ),
  );
  const lost =
    r.failedMachines === undefined ? '' : `${r.failedMachines.length} machine(s) pretended lost; `;
  const cleanup =
    r.cleanup.outcome === 'clean'
      ? 'cleaned up'
      : `clean-up ${r.cleanup.outcome} (${r.cleanup.leftToFix.length} left to fix)`;
  return {
    summary: {
      headline: `rehearsal ${r.outcome}: ${lost}drill copies up for ${restored.size} of ${restored.size + notRestored.size} persona(s); ${cleanup}`,
      outcome: r.outcome,
      rtoSeconds: r.rtoSeconds ?? null,
      groups: r.groups.map((g) => ({
        priority: g.priority,
        personas: g.personas.length,
        rtoSeconds: g.rtoSeconds ?? null,
        restored: g.restored,
        failed: g.failed,
      })),
      restored: restored.size,
      notRestored: notRestored.size,
      cleanup: { outcome: r.cleanup.outcome, leftToFix: r.cleanup.leftToFix.length },
    },
  };
}

export interface RtoPoint {
  readonly at: string;
  readonly rtoSeconds: number;
}

export interface RtoTrend {
  /** Oldest first. */
  readonly trend: readonly RtoPoint[];
  /**
   * improving: recent drills restore faster (lower RTO) than the ones before, by more than {@link
   * FLAT_WITHIN}.
   */
  readonly direction: 'improving' | 'worsening' | 'flat';
  /**
   * The RTOs compared: the last (up to) three, and as many before them. Empty when fewer than two
   * drills had one.
   */
  readonly recent: readonly number[];
  readonly earlier: readonly number[];
}

/** Means within 5% of each other count as flat: one slow BMC should not flip the direction. */
const FLAT_WITHIN = 0.05;
const COMPARED = 3;

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * The RTO trend of some drills: their points oldest first, and the mean of the last three compared
 * with the mean of the three before. With fewer than six points, as many as there are pairs
 * (two points: the last against the one before); with fewer than two, flat.
 */
export function rtoTrend(points: readonly RtoPoint[]): RtoTrend {
  const trend = [...points].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  const k = Math.min(COMPARED, Math.floor(trend.length / 2));
  if (k === 0) return { trend, direction: 'flat', recent: [], earlier: [] };
  const rtos = trend.map((p) => p.rtoSeconds);
  const recent = rtos.slice(-k);
  const earlier = rtos.slice(-2 * k, -k);
  const change = (mean(recent) - mean(earlier)) / Math.max(mean(earlier), 1);
  const direction =
    Math.abs(change) <= FLAT_WITHIN ? 'flat' : change < 0 ? 'improving' : 'worsening';
  return { trend, direction, recent, earlier };
}
