/**
 * Test-only workflows, bundled for a worker on their own task queue: runs whose result is a
 * FailoverReport-shaped value, so failback's `run` mode reads a real Temporal run's result.
 * `siteFailover` stands in for the real runbook's workflow type; `notAFailover` is a run of
 * another type that returns the same value, which a failback must refuse.
 */
export async function siteFailover(report: unknown): Promise<unknown> {
  return report;
}

export async function notAFailover(report: unknown): Promise<unknown> {
  return report;
}
