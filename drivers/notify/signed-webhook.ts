import { createHmac } from 'node:crypto';
import { RackshiftError } from '../../common/errors';

/** The header that carries `sha256=<hex HMAC-SHA256 of the exact body bytes>`. */
const SIGNATURE_HEADER = 'X-Rackshift-Signature';

/**
 * Thrown when a webhook receiver does not take a notification (no answer, or a non-2xx status);
 * retried.
 */
export class WebhookDeliveryError extends RackshiftError {
  override readonly name = 'WebhookDeliveryError';
  constructor(
    readonly url: string,
    detail: string,
  ) {
    super(`webhook ${url}: ${detail}`, { retryable: true, context: { url } });
  }
}

/**
 * `sha256=` and the hex HMAC-SHA256 of `body` under `key`: what a receiver recomputes and compares
 * in constant time.
 */
function signBody(body: string, key: string): string {
  return `sha256=${createHmac('sha256', key).update(body, 'utf8').digest('hex')}`;
}

/** POSTs `payload` as JSON with its signature header; the key never leaves this process. */
export async function postSignedJson(
  url: string,
  payload: unknown,
  key: string,
  timeoutMs = 10_000,
): Promise<{ status: number }> {
  const body = JSON.stringify(payload);
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signBody(body, key) },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    throw new WebhookDeliveryError(url, `no answer (${(e as Error).message})`);
  }
  await response.text().catch(() => '');
  if (!response.ok) throw new WebhookDeliveryError(url, `answered HTTP ${response.status}`);
  return { status: response.status };
}
