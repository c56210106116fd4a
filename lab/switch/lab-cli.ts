/** What a lab CLI answers to one line. */
export interface CliAnswer {
  readonly output: string;
  /** The device ends the session after answering (`exit` from the top level). */
  readonly close?: boolean;
  /** The answer comes this long after the line (a commit that takes its time). */
  readonly delayMs?: number;
  /**
   * An exec's exit status (default 0); a non-zero one sends the output to stderr, as the tools do.
   */
  readonly exitCode?: number;
}

/** One CLI session of a lab switch: a prompt and an answer per line. */
export interface LabCli {
  prompt(): string;
  handle(line: string): CliAnswer;
  /** True while the CLI reads a secret (after `enable`): the line typed is not echoed. */
  readonly readingSecret?: boolean;
}

/** Injected faults a CLI consults before it changes configuration. */
export interface CliFaults {
  /** True when this configuration command must be refused (consumes one refusal). */
  takeRefusal(): boolean;
}
