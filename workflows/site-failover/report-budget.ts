/**
 * Temporal fails a workflow task whose payloads pass its blob size limit (2 MiB by default:
 * `limit.blobSize.error`) with PayloadsTooLarge, and retries it forever: a failover whose report
 * is too big never completes. Found by the 1,000-persona benchmark, whose report with every
 * persona's steps was over 2 MiB. Each persona's steps are also in its child run's own result
 * (`run`), so past this budget the report keeps everything else and drops those.
 */
export const REPORT_BUDGET_CHARS = 1_500_000;

export interface WithPersonaSteps {
  readonly personas: readonly { readonly steps: readonly unknown[] }[];
}

/**
 * `report` unchanged when its JSON stays within REPORT_BUDGET_CHARS; otherwise without the
 * personas' steps, marked `stepsOmitted`. Deterministic (the report's own content decides).
 */
export function withinPayloadBudget<R extends WithPersonaSteps>(
  report: R,
  budget = REPORT_BUDGET_CHARS,
): R {
  if (JSON.stringify(report).length <= budget) return report;
  return {
    ...report,
    personas: report.personas.map((p) => ({ ...p, steps: [] })),
    stepsOmitted: 'each persona’s steps are in the result of its child run (`run`)',
  };
}
