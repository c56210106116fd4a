/** What a lab CLI answers to one line. */
export interface CliAnswer {
  readonly output: string;
  /** The device ends the session after answering (`exit` from the top level). */
  readonly close?: boolean;
}

/** One CLI session of a lab switch: a prompt and an answer per line. */
export interface LabCli {
  prompt(): string;
  handle(line: string): CliAnswer;
}

/** Injected faults a CLI consults before it changes configuration. */
export interface CliFaults {
  /** True when this configuration command must be refused (consumes one refusal). */
  takeRefusal(): boolean;
}
