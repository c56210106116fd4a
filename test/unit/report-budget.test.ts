import {
  REPORT_BUDGET_CHARS,
  withinPayloadBudget,
} from '../../workflows/site-failover/report-budget';

const step = (i: number) => ({
  name: `step-${i}`,
  summary: `a step of a move that names machines and personas at some length ${'x'.repeat(120)}`,
  outcome: 'done',
  startedAt: '2026-12-06T22:23:32.602Z',
  endedAt: '2026-12-06T22:23:33.602Z',
});
const report = (personas: number) => ({
  runbook: 'site-failover' as const,
  outcome: 'completed' as const,
  personas: Array.from({ length: personas }, (_, p) => ({
    persona: `p-${p}`,
    outcome: 'restored',
    run: `repurpose/p-${p}/run`,
    steps: Array.from({ length: 14 }, (_, i) => step(i)),
  })),
});

describe('a failover report within Temporal’s payload limit', () => {
  it('keeps a report of the usual size as it is', () => {
    const small = report(100);
    expect(JSON.stringify(small).length).toBeLessThan(REPORT_BUDGET_CHARS);
    expect(withinPayloadBudget(small)).toBe(small);
  });

  it('drops the personas’ steps of a 1,000-persona report, keeping everything else', () => {
    const big = report(1000);
    expect(JSON.stringify(big).length).toBeGreaterThan(2 * 1024 * 1024);
    const kept = withinPayloadBudget(big) as ReturnType<typeof report> & { stepsOmitted?: string };
    expect(JSON.stringify(kept).length).toBeLessThan(REPORT_BUDGET_CHARS);
    expect(kept.stepsOmitted).toContain('child run');
    expect(kept.personas).toHaveLength(1000);
    expect(kept.personas[999]).toEqual({
      persona: 'p-999',
      outcome: 'restored',
      run: 'repurpose/p-999/run',
      steps: [],
    });
    expect(kept.outcome).toBe('completed');
  });
});
