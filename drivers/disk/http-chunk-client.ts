import { createHash } from 'node:crypto';
import { ValidationError } from '../../common/errors';
import { BOOT_URL_PATTERN } from '../../inventory/patterns';
import { DiskRequestRefusedError, DiskTransferError } from './disk-errors';

/** The header that carries a chunk's SHA-256 (hex), both ways. */
export const CHUNK_SHA256_HEADER = 'x-rackshift-sha256';

export function sha256Hex(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export interface ChunkResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Buffer;
}

/**
 * The endpoint's base URL, checked before any request is made: http(s), no spaces, quotes or query.
 */
export function checkBaseUrl(what: string, url: string): string {
  if (!BOOT_URL_PATTERN.test(url))
    throw new ValidationError(what, [
      { path: 'url', message: `"${url}" is not an http(s) URL without spaces, quotes or query` },
    ]);
  return url.replace(/\/$/, '');
}

/**
 * One HTTP request of a disk transfer. Transport failures, 5xx and bodies cut short become
 * DiskTransferError (retryable: the copy resumes); other non-2xx answers become
 * DiskRequestRefusedError with the endpoint's own words.
 */
export async function chunkRequest(
  endpoint: string,
  url: string,
  init: {
    method: 'GET' | 'PUT' | 'POST';
    body?: Buffer;
    json?: unknown;
    headers?: Record<string, string>;
    signal?: AbortSignal;
    timeoutMs: number;
  },
): Promise<ChunkResponse> {
  const signals = [AbortSignal.timeout(init.timeoutMs), ...(init.signal ? [init.signal] : [])];
  const headers: Record<string, string> = { ...init.headers };
  let body: Buffer | string | undefined = init.body;
  if (init.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(init.json);
  } else if (body !== undefined) {
    headers['content-type'] = 'application/octet-stream';
  }
  let res: Response;
  let bytes: Buffer;
  try {
    res = await fetch(url, {
      method: init.method,
      headers,
      ...(body !== undefined && { body }),
      signal: AbortSignal.any(signals),
    });
    bytes = Buffer.from(await res.arrayBuffer());
  } catch (e) {
    if (init.signal?.aborted) throw init.signal.reason;
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new DiskTransferError(
      endpoint,
      `${init.method} failed: ${cause?.code ?? cause?.message ?? (e as Error).message}`,
    );
  }
  if (res.status >= 500)
    throw new DiskTransferError(
      endpoint,
      `${init.method} answered ${res.status}: ${bytes.toString('utf8').slice(0, 200)}`,
    );
  if (res.status >= 300) throw new DiskRequestRefusedError(endpoint, res.status, errorText(bytes));
  return { status: res.status, headers: res.headers, body: bytes };
}

function errorText(body: Buffer): string {
  const text = body.toString('utf8').slice(0, 300);
  try {
    const parsed = JSON.parse(text) as { message?: string; error?: string };
    return parsed.message ?? parsed.error ?? text;
  } catch {
    return text;
  }
}

/** The JSON body of a response, or DiskTransferError when it is not JSON. */
export function jsonOf<T>(endpoint: string, r: ChunkResponse): T {
  try {
    return JSON.parse(r.body.toString('utf8')) as T;
  } catch {
    throw new DiskTransferError(endpoint, 'answered something that is not JSON');
  }
}
