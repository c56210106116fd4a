/**
 * `fn` over `items` with at most `limit` calls in flight, results in input order (reading many
 * workflow results, probing many BMCs, running many child runs). Lanes take items in order, so
 * in workflow code it is deterministic. No I/O of its own: safe in the workflow bundle.
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const i = next;
      next += 1;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}
