/**
 * ETags as Redfish BMCs hand them out, and the If-Match fallbacks sushy's connector
 * (openstack/sushy sushy/connector.py, `_etag_handler`) uses after a 412.
 */

/**
 * The ETag of a response: the header first, then `@odata.etag`; an empty one counts as none (sushy
 * drops an empty If-Match).
 */
export function usableEtag(...candidates: ReadonlyArray<string | undefined>): string | undefined {
  return candidates.map((c) => c?.trim()).find((c): c is string => c !== undefined && c !== '');
}

const WEAK = /^W\/(".*")$/;

/**
 * What to send as If-Match after a 412 on a freshly read ETag, in order (undefined: no
 * If-Match at all). As in sushy: a weak tag is tried as strong (some BMCs hand out `W/"…"`
 * but compare strongly), then without the header; a strong tag only without the header;
 * with no tag there is nothing else to try.
 */
export function ifMatchFallbacks(etag: string | undefined): ReadonlyArray<string | undefined> {
  if (etag === undefined) return [];
  const weak = WEAK.exec(etag);
  return weak?.[1] === undefined ? [undefined] : [weak[1], undefined];
}

export function ifMatchHeader(etag: string | undefined): { headers?: Record<string, string> } {
  return etag === undefined ? {} : { headers: { 'if-match': etag } };
}
