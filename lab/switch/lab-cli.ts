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

/** Parses `110,120-122` / `110 120`; undefined for anything else or a VLAN outside 1–4094. */
export function labVlanList(text: string): number[] | undefined {
  const out: number[] = [];
  for (const part of text.split(/[\s,]+/).filter(Boolean)) {
    const m = /^(\d{1,4})(?:-(\d{1,4}))?$/.exec(part);
    if (m === null) return undefined;
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (from < 1 || to > 4094 || to < from) return undefined;
    for (let v = from; v <= to; v += 1) out.push(v);
  }
  return out.length === 0 ? undefined : out;
}
