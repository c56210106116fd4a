import { InvalidArgumentError } from 'commander';
import { readFileSync } from 'node:fs';

/** commander argument parser for a JSON value. */
export function jsonOption(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch (e) {
    throw new InvalidArgumentError(`must be JSON: ${(e as Error).message}`);
  }
}

/** The runbook input of `--input <json>` or `--input-file <file>`: exactly one of them. */
export function runbookInput(opts: { input?: unknown; inputFile?: string }): unknown {
  if ((opts.input === undefined) === (opts.inputFile === undefined))
    throw new InvalidArgumentError('give exactly one of --input and --input-file');
  return opts.inputFile !== undefined
    ? jsonOption(readFileSync(opts.inputFile, 'utf8'))
    : opts.input;
}
