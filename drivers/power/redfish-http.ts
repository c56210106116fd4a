import { Agent, request } from 'undici';
import { RackshiftError } from '../../common/errors';
import type { RedfishBmc } from '../../inventory/topology-schema';
import { BmcProtocolError, BmcTlsError, BmcUnreachableError } from './power-errors';
import { redfishErrorSchema } from './redfish-schemas';
import { redfishConnector } from './redfish-tls';

export interface BmcContext {
  readonly machineId: string;
  readonly bmcAddress: string;
}

export interface RedfishResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** Parsed JSON, the raw text when the body is not JSON, or undefined when empty. */
  readonly body: unknown;
}

export interface RedfishRequest {
  readonly headers?: Readonly<Record<string, string>>;
  readonly json?: unknown;
}

/**
 * Only paths under /redfish/v1 (after URL normalisation, which resolves `..` and
 * percent-encodes the rest); anything else a BMC hands out is refused.
 */
const REDFISH_PATH = /^\/redfish\/v1(?:\/[A-Za-z0-9._~%:@+,=-]*)*$/;
const SAFE_QUERY = /^(?:\?[A-Za-z0-9._~%:@+,=&$-]*)?$/;
/**
 * OpenSSL verification codes and Node's host name check: the peer is not who the pin or CA says.
 */
const TLS_TRUST_CODES = /CERT|UNABLE_TO_(?:GET|VERIFY)|HOSTNAME|ERR_TLS_CERT/;
const MAX_DETAIL = 200;

/**
 * HTTP(S) to one BMC over undici, with the topology's TLS trust. Translates every transport
 * failure into rackshift errors, refuses URIs that leave the BMC (a Location pointing at
 * another host would receive the session token), and scrubs registered secrets from any
 * text the BMC sends back before it can reach an error message.
 */
export class RedfishHttp {
  private agent: Agent | undefined;
  private readonly hidden = new Set<string>();
  readonly origin: string;

  constructor(
    readonly ctx: BmcContext,
    private readonly bmc: RedfishBmc,
    private readonly timeoutMs: number,
  ) {
    this.origin = new URL(`${bmc.scheme}://${bmc.address}:${bmc.port}`).origin;
  }

  /** Marks a value (password, session token) that must never appear in an error. */
  hide(secret: string): void {
    if (secret !== '') this.hidden.add(secret);
  }

  redact(text: string): string {
    let out = text;
    for (const s of this.hidden) out = out.split(s).join('***');
    return out;
  }

  /** A URI from the BMC (Location, @odata.id, action target) as a path on this same BMC. */
  path(uri: string): string {
    let url: URL;
    try {
      url = new URL(uri, this.origin);
    } catch {
      throw new BmcProtocolError(
        this.ctx,
        `unusable URI ${JSON.stringify(this.redact(uri).slice(0, MAX_DETAIL))}`,
      );
    }
    const path = url.pathname.replace(/\/+$/, '');
    if (url.origin !== this.origin || !REDFISH_PATH.test(path) || !SAFE_QUERY.test(url.search)) {
      throw new BmcProtocolError(
        this.ctx,
        `refusing URI ${JSON.stringify(this.redact(uri).slice(0, MAX_DETAIL))}: not a Redfish path on this BMC`,
      );
    }
    return `${path}${url.search}`;
  }

  async request(
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    path: string,
    req: RedfishRequest = {},
  ): Promise<RedfishResponse> {
    this.agent ??= new Agent({
      connect: redfishConnector(this.ctx, this.bmc.tls, this.timeoutMs),
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
    });
    const headers: Record<string, string> = {
      accept: 'application/json',
      'odata-version': '4.0',
      ...req.headers,
    };
    if (req.json !== undefined) headers['content-type'] = 'application/json';
    let status: number;
    let rawHeaders: Record<string, string | string[] | undefined>;
    let text: string;
    try {
      const res = await request(`${this.origin}${this.path(path)}`, {
        dispatcher: this.agent,
        method,
        headers,
        ...(req.json !== undefined && { body: JSON.stringify(req.json) }),
      });
      status = res.statusCode;
      rawHeaders = res.headers;
      text = await res.body.text();
    } catch (e) {
      throw this.translate(e);
    }
    return { status, headers: flatten(rawHeaders), body: parseBody(text) };
  }

  /** The BMC's own explanation of a failed request, secrets scrubbed, for error messages. */
  describe(res: RedfishResponse): string {
    const parsed = redfishErrorSchema.safeParse(res.body);
    const message = parsed.success
      ? (parsed.data.error['@Message.ExtendedInfo']?.find((m) => m.Message)?.Message ??
        parsed.data.error.message ??
        '')
      : typeof res.body === 'string'
        ? res.body
        : '';
    const detail = this.redact(message.replace(/\s+/g, ' ').trim()).slice(0, MAX_DETAIL);
    return `HTTP ${res.status}${detail === '' ? '' : `: ${detail}`}`;
  }

  private translate(e: unknown): RackshiftError {
    if (e instanceof RackshiftError) return e;
    const cause = (e as { cause?: unknown }).cause;
    if (cause instanceof RackshiftError) return cause;
    const code = String((e as { code?: unknown }).code ?? '');
    const message = this.redact((e as Error).message ?? String(e));
    if (TLS_TRUST_CODES.test(code)) return new BmcTlsError(this.ctx, `${code}: ${message}`, e);
    return new BmcUnreachableError(this.ctx, code === '' ? message : `${code}: ${message}`, e);
  }

  async close(): Promise<void> {
    const agent = this.agent;
    this.agent = undefined;
    await agent?.destroy();
  }
}

function flatten(
  headers: Record<string, string | string[] | undefined>,
): Record<string, string | undefined> {
  return Object.fromEntries(
    Object.entries(headers).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v[0] : v]),
  );
}

function parseBody(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
