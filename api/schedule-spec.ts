import { z } from 'zod';

const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400 } as const;
type Unit = keyof typeof UNIT_SECONDS;

/**
 * `'90s'`, `'15m'`, `'6h'`, `'7d'` → seconds; NaN for anything else (a {@link durationSchema}
 * refuses it, naming the rule).
 */
export function durationSeconds(text: string): number {
  const match = /^(\d{1,6})([smhd])$/.exec(text);
  return match === null ? Number.NaN : Number(match[1]) * UNIT_SECONDS[match[2] as Unit];
}

/** Seconds → the largest unit that divides them exactly: 3600 → `'1h'`, 90 → `'90s'`. */
export function durationText(seconds: number): string {
  for (const unit of ['d', 'h', 'm'] as const)
    if (seconds > 0 && seconds % UNIT_SECONDS[unit] === 0)
      return `${seconds / UNIT_SECONDS[unit]}${unit}`;
  return `${seconds}s`;
}

/**
 * A duration written `<n><unit>` with one of `units`, between two bounds given in the same
 * notation.
 */
export function durationSchema(units: readonly Unit[], min: string, max: string) {
  const pattern = new RegExp(`^\\d{1,6}[${units.join('')}]$`);
  const [low, high] = [durationSeconds(min), durationSeconds(max)];
  return z
    .string()
    .regex(
      pattern,
      `must be a whole number and a unit (${units.join(', ')}), like ${units.map((u) => `10${u}`).join(' or ')}`,
    )
    .refine(
      (s) => !pattern.test(s) || (durationSeconds(s) >= low && durationSeconds(s) <= high),
      `must be from ${min} to ${max}`,
    );
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/**
 * The five fields a cron expression may have here, with their ranges and (month, weekday) names.
 */
const CRON_FIELDS: ReadonlyArray<{
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}> = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day of week', min: 0, max: 6, names: DAYS },
];

/** One comma-separated item: `*`, `5`, `1-5`, `MON-FRI`, each with an optional `/step`. */
const CRON_ITEM = /^(?:\*|([0-9]{1,2}|[A-Z]{3})(?:-([0-9]{1,2}|[A-Z]{3}))?)(?:\/([0-9]{1,2}))?$/;

function cronValue(text: string, field: (typeof CRON_FIELDS)[number]): number | undefined {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return n >= field.min && n <= field.max ? n : undefined;
  }
  const index = field.names?.indexOf(text) ?? -1;
  return index < 0 ? undefined : index + field.min;
}

/**
 * Why a cron expression is refused, or undefined when it is fine. Deliberately narrower than what
 * Temporal parses: five fields of numbers, ranges, lists, steps and upper-case month and weekday
 * names. No `@every` (use an interval), no `CRON_TZ=` (use the time zone), no comments, so what an
 * operator reads back is what fires.
 */
export function cronProblem(expression: string): string | undefined {
  const fields = expression.split(' ');
  if (fields.length !== 5)
    return 'must have five fields separated by single spaces: minute hour day-of-month month day-of-week, like "0 3 * * SUN"';
  for (const [i, text] of fields.entries()) {
    const field = CRON_FIELDS[i]!;
    for (const item of text.split(',')) {
      const match = CRON_ITEM.exec(item);
      if (match === null)
        return `${field.name} "${text}" must be *, a number, a range like 1-5${field.names ? ` or ${field.names[0]}-${field.names[2]}` : ''}, a list of those, each with an optional /step`;
      const [, from, to, step] = match;
      const values = [from, to]
        .filter((v): v is string => v !== undefined)
        .map((v) => cronValue(v, field));
      if (values.some((v) => v === undefined))
        return `${field.name} "${text}" must stay within ${field.min}–${field.max}${field.names ? ` or ${field.names.join(',')}` : ''}`;
      if (values.length === 2 && values[0]! > values[1]!)
        return `${field.name} range "${item}" runs backwards`;
      if (step !== undefined && Number(step) < 1)
        return `${field.name} step in "${item}" must be at least 1`;
    }
  }
  return undefined;
}

/**
 * True when the IANA name is one this process knows (the Temporal server carries the same
 * database).
 */
function knownTimezone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

export const timezoneSchema = z
  .string()
  .max(64)
  .regex(
    /^[A-Za-z]+(?:[/_+-][A-Za-z0-9]+)*$/,
    'must be an IANA time zone name like Europe/Berlin or UTC',
  )
  .refine(knownTimezone, 'is not a known IANA time zone');
