import { parseArgs } from 'node:util';

/** The options every benchmark takes: where the JSON goes (default bench/results/). */
export interface BenchArgs {
  readonly out?: string;
}

/**
 * Parses a benchmark's argv strictly: an unknown option stops it with the parser's message
 * rather than running a benchmark nobody asked for.
 */
export function benchArgs<T extends Record<string, { type: 'string' | 'boolean' }>>(
  options: T,
  argv: readonly string[] = process.argv.slice(2),
): BenchArgs & Record<keyof T, string | boolean | undefined> {
  const { values } = parseArgs({
    args: [...argv],
    options: { ...options, out: { type: 'string' } },
    strict: true,
    allowPositionals: false,
  });
  return values as unknown as BenchArgs & Record<keyof T, string | boolean | undefined>;
}
