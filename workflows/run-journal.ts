import { defineQuery, setHandler } from '@temporalio/workflow';

export interface StepRecord {
  readonly name: string;
  readonly summary: string;
  readonly startedAt: string;
  endedAt?: string;
  outcome: 'running' | 'ok' | 'failed' | 'skipped';
  detail?: string;
}

export interface RunProgress {
  readonly runbook: string;
  readonly state: 'running' | 'completed' | 'failed';
  /** The step under way, or the last one. */
  readonly step: string | undefined;
  readonly steps: readonly StepRecord[];
  /** The final report of a failed run (compensations, what is left to fix), once there is one. */
  readonly report?: unknown;
}

/** The `progress` query every runbook answers: the current step and the history of steps. */
export const progressQuery = defineQuery<RunProgress>('progress');

/**
 * Records each step's start, end and outcome in workflow time (deterministic), and serves
 * them through the `progress` query. Steps go into the run's report unchanged.
 */
export class RunJournal {
  private readonly records: StepRecord[] = [];
  private state: RunProgress['state'] = 'running';
  private report: unknown;

  constructor(private readonly runbook: string) {
    setHandler(progressQuery, () => this.progress());
  }

  progress(): RunProgress {
    return {
      runbook: this.runbook,
      state: this.state,
      step: this.records.at(-1)?.name,
      steps: this.records.map((r) => ({ ...r })),
      ...(this.report !== undefined && { report: this.report }),
    };
  }

  get steps(): readonly StepRecord[] {
    return this.records.map((r) => ({ ...r }));
  }

  async step<T>(
    name: string,
    summary: string,
    run: () => Promise<T>,
    describe?: (result: T) => string,
  ): Promise<T> {
    const record: StepRecord = {
      name,
      summary,
      startedAt: new Date().toISOString(),
      outcome: 'running',
    };
    this.records.push(record);
    try {
      const result = await run();
      record.outcome = 'ok';
      if (describe) record.detail = describe(result);
      return result;
    } catch (e) {
      record.outcome = 'failed';
      record.detail = (e as Error).message;
      throw e;
    } finally {
      record.endedAt = new Date().toISOString();
    }
  }

  skip(name: string, summary: string, detail: string): void {
    const now = new Date().toISOString();
    this.records.push({ name, summary, startedAt: now, endedAt: now, outcome: 'skipped', detail });
  }

  attachReport(report: unknown): void {
    this.report = report;
  }

  finish(state: 'completed' | 'failed'): void {
    this.state = state;
  }
}
