import type { z } from 'zod';
import { ValidationError } from './errors';
import { fieldIssues } from './field-path';

/** Parse `input` with `schema` or throw a ValidationError that names every bad field. */
export function parseOrThrow<S extends z.ZodType>(
  what: string,
  schema: S,
  input: unknown,
): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw new ValidationError(what, fieldIssues(result.error));
  return result.data;
}
