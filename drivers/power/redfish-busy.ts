import type { RedfishResponse } from './redfish-http';

/**
 * MessageIds with which BMCs say "not now" while the host is in POST or the BMC finishes
 * an earlier job, in a 400 or 500: iDRAC's SYS518 and iLO's InvalidOperationForSystemState
 * (openstack/sushy connector.py `check_retry_on_exception`), iLO's
 * UnableToModifyDuringSystemPOST (openstack/ironic redfish/management.py `_is_during_post_error`).
 */
const BUSY_MESSAGES = /SYS518|InvalidOperationForSystemState|UnableToModifyDuringSystemPOST/;

/**
 * Whether a response means "busy, ask again" and after how long, if the BMC says so
 * (Retry-After in seconds or as an HTTP date). A 503 always means the request was not
 * carried out (RFC 9110), so even a reset is safe to send again.
 */
export function busyRetry(
  res: RedfishResponse,
  now = Date.now(),
): { readonly afterMs: number | undefined } | undefined {
  const busy =
    res.status === 503 ||
    ([400, 409, 500].includes(res.status) && BUSY_MESSAGES.test(JSON.stringify(res.body ?? '')));
  if (!busy) return undefined;
  return { afterMs: retryAfterMs(res.headers['retry-after'], now) };
}

function retryAfterMs(header: string | undefined, now: number): number | undefined {
  if (header === undefined) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
