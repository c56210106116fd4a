import type { z } from 'zod';
import type { FieldIssue } from './errors';

/** ['sites', 0, 'machines', 3, 'bmc'] → `sites[0].machines[3].bmc` */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

/** The offending value, quoted and shortened, when zod was asked to report it (`reportInput`). */
function shownValue(issue: z.core.$ZodIssue): string {
  const input = (issue as { input?: unknown }).input;
  if (typeof input === 'string')
    return ` (got ${JSON.stringify(input.length > 40 ? `${input.slice(0, 40)}…` : input)})`;
  if (typeof input === 'number' || typeof input === 'boolean') return ` (got ${String(input)})`;
  return '';
}

/** zod issues → field issues with printable paths (and the bad value when zod reported it). */
export function fieldIssues(error: z.ZodError, prefix: readonly PropertyKey[] = []): FieldIssue[] {
  return error.issues.map((issue) => ({
    path: formatPath([...prefix, ...issue.path]),
    message: `${issue.message}${shownValue(issue)}`,
  }));
}
