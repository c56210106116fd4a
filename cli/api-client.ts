import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RackshiftError } from '../common/errors';

/** The API's error answer: `{ error: { code, message, details } }` (api/http-errors.ts). */
export interface ApiErrorBody {
  readonly error?: { readonly code?: string; readonly message?: string; readonly details?: ReadonlyArray<{ path: string; message: string }> };
}

/** Thrown when the API answers with an error status; carries its code, message and field issues. */
export class ApiError extends RackshiftError {
  override readonly name = 'ApiError';
  readonly code: string | undefined;
  constructor(readonly status: number, readonly body: ApiErrorBody) {
    const e = body.error;
    super([`API ${status}: ${e?.message ?? e?.code ?? 'request failed'}`, ...(e?.details ?? []).map((i) => `  ${i.path}: ${i.message}`)].join('\n'), { retryable: status >= 500 });
    this.code = e?.code;
  }
}

export interface ApiClientOptions {
  readonly api?: string;
  readonly token?: string;
  readonly data?: string;
}

/** The API base URL and token: flags first, then RACKSHIFT_API / RACKSHIFT_TOKEN, then the dev stack's defaults. */
export function resolveApi(options: ApiClientOptions): { base: string; token: string | undefined } {
  const base = (options.api ?? process.env.RACKSHIFT_API ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
  let token = options.token ?? process.env.RACKSHIFT_TOKEN;
  const file = join(options.data ?? '.rackshift', 'admin.token');
  if (token === undefined && existsSync(file)) token = readFileSync(file, 'utf8').trim();
  return { base, token };
}

export class ApiClient {
  private readonly base: string;
  private readonly token: string | undefined;

  constructor(options: ApiClientOptions) {
    ({ base: this.base, token: this.token } = resolveApi(options));
  }

  async request<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.base}${path}`, {
        method,
        headers: {
          ...(this.token !== undefined && { authorization: `Bearer ${this.token}` }),
          ...(body !== undefined && { 'content-type': 'application/json' }),
        },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
    } catch (e) {
      throw new ApiError(0, { error: { code: 'Unreachable', message: `cannot reach the API at ${this.base} (${(e as Error).message}); is \`rackshift dev\` running? (--api or RACKSHIFT_API)` } });
    }
    const text = await response.text();
    let json: unknown;
    try {
      json = text === '' ? {} : JSON.parse(text);
    } catch {
      json = { error: { message: text.slice(0, 200) } };
    }
    if (!response.ok) throw new ApiError(response.status, json as ApiError['body']);
    return json as T;
  }
}
