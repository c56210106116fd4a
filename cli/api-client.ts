import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RackshiftError } from '../common/errors';

/** Thrown when the API answers with an error status; carries its JSON body's message and field issues. */
export class ApiError extends RackshiftError {
  override readonly name = 'ApiError';
  constructor(readonly status: number, readonly body: { error?: string; message?: string; issues?: Array<{ path: string; message: string }> }) {
    super(
      [`API ${status}: ${body.message ?? body.error ?? 'request failed'}`, ...(body.issues ?? []).map((i) => `  ${i.path}: ${i.message}`)].join('\n'),
      { retryable: status >= 500 },
    );
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
      throw new ApiError(0, { message: `cannot reach the API at ${this.base} (${(e as Error).message}); is \`rackshift dev\` running? (--api or RACKSHIFT_API)` });
    }
    const text = await response.text();
    let json: unknown;
    try {
      json = text === '' ? {} : JSON.parse(text);
    } catch {
      json = { message: text.slice(0, 200) };
    }
    if (!response.ok) throw new ApiError(response.status, json as ApiError['body']);
    return json as T;
  }
}
