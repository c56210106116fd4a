/** What Temporal says of a workflow run: its type, its status, and (once completed) its result. */
export interface RunResult {
  readonly workflowType: string;
  /** COMPLETED, RUNNING, FAILED, CANCELED, TERMINATED, TIMED_OUT, CONTINUED_AS_NEW… */
  readonly status: string;
  /** The run's return value, decoded; only when status is COMPLETED. */
  readonly result?: unknown;
}
