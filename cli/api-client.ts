import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { RackshiftError } from '../common/errors';
import { configPath, readCliConfig, readSecretFile } from './cli-config';

/** The API's error answer: `{ error: { code, message, details } }` (api/http-errors.ts). */
export interface ApiErrorBody {
  readonly error?: {
    readonly code?: string;
    readonly message?: string;
    readonly details?: ReadonlyArray<{ path: string; message: string }>;
  };
}

/** Thrown when the API answers with an error status; carries its code, message and field issues. */
export class ApiError extends RackshiftError {
  override readonly name = 'ApiError';
  readonly code: string | undefined;
  constructor(
    readonly status: number,
    readonly body: ApiErrorBody,
  ) {
    const e = body.error;
    super(
      [
        `API ${status}: ${e?.message ?? e?.code ?? 'request failed'}`,
        ...(e?.details ?? []).map((i) => `  ${i.path}: ${i.message}`),
      ].join('\n'),
      { retryable: status >= 500 },
    );
    this.code = e?.code;
  }
}

export interface ApiClientOptions {
  readonly api?: string;
  /** Deprecated: a token in argv is visible to every user in `ps`. */
  readonly token?: string;
  readonly data?: string;
}

/** Said once per process when --token is used. */
let warnedArgvToken = false;

/**
 * The API base URL and token, first found wins. URL: --api, RACKSHIFT_API, the config file,
 * http://127.0.0.1:8080. Token: RACKSHIFT_TOKEN, the config file's token or tokenFile, then the
 * dev stack's <data>/admin.token; --token still works but warns (argv is visible in `ps`). A
 * config or token file readable by group or others is refused.
 */
export function resolveApi(
  options: ApiClientOptions,
  env: NodeJS.ProcessEnv = process.env,
): { base: string; token: string | undefined } {
  const config = readCliConfig(configPath(env));
  const base = (options.api ?? env.RACKSHIFT_API ?? config.api ?? 'http://127.0.0.1:8080').replace(
    /\/+$/,
    '',
  );
  if (options.token !== undefined && !warnedArgvToken) {
    warnedArgvToken = true;
    process.stderr.write(
      'rackshift: warning: --token is deprecated: other users can read it in the process list; set RACKSHIFT_TOKEN or put it in the config file (0600)\n',
    );
  }
  let token =
    options.token ??
    env.RACKSHIFT_TOKEN ??
    config.token ??
    (config.tokenFile !== undefined ? readSecretFile(config.tokenFile).trim() : undefined);
  const devToken = join(options.data ?? '.rackshift', 'admin.token');
  if (token === undefined && existsSync(devToken)) token = readSecretFile(devToken).trim();
  return { base, token };
}

export class ApiClient {
  private readonly base: string;
  private readonly token: string | undefined;

  constructor(options: ApiClientOptions) {
    ({ base: this.base, token: this.token } = resolveApi(options));
  }

  async request<T>(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.base}${path}`, {
        method,
        headers: {
          ...(this.token !== undefined && { authorization: `Bearer ${this.token}` }),
          ...(body !== undefined && { 'content-type': 'application/json' }),
          ...headers,
        },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
    } catch (e) {
      throw new ApiError(0, {
        error: {
          code: 'Unreachable',
          message: `cannot reach the API at ${this.base} (${(e as Error).message}); is \`rackshift dev\` running? (--api or RACKSHIFT_API)`,
        },
      });
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
