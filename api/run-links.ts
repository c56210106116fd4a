/** Where a run can be looked at: this API, and the Temporal UI. */
export interface RunLinks {
  api(runId: string): string;
  ui(runId: string, temporalRunId?: string): string | undefined;
}

export function runLinks(options: { uiBaseUrl?: string; namespace: string }): RunLinks {
  return {
    api: (runId) => `/api/v1/runs/${encodeURIComponent(runId)}`,
    ui: (runId, temporalRunId) =>
      options.uiBaseUrl === undefined
        ? undefined
        : `${options.uiBaseUrl}/namespaces/${encodeURIComponent(options.namespace)}/workflows/${encodeURIComponent(runId)}${temporalRunId ? `/${encodeURIComponent(temporalRunId)}` : ''}/history`,
  };
}
