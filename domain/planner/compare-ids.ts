/**
 * Orders ids by UTF-16 code units. Not localeCompare: its order depends on the ICU data
 * of the process, and a plan must come out the same on every worker that replays it.
 */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
