/**
 * Rows as left-aligned columns, each as wide as its widest cell. The last column is not
 * padded, so no line ends in spaces (tests and `grep` see what a reader sees).
 */
export function textTable(
  header: readonly string[],
  rows: ReadonlyArray<readonly string[]>,
): string {
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((r) => (r[c] ?? '').length)));
  return all
    .map((r) =>
      r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c] ?? 0))).join('  '),
    )
    .join('\n');
}
