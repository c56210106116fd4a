import { setTimeout as sleep } from 'node:timers/promises';
import type { SecretStore } from '../../common/secrets';
import { BmcAuthError, BmcProtocolError } from './power-errors';
import { busyRetry } from './redfish-busy';
import type { RedfishHttp, RedfishRequest, RedfishResponse } from './redfish-http';
import { serviceRootSchema, type ServiceRoot } from './redfish-schemas';
import { SharedPromise } from './shared-promise';

const SERVICE_ROOT = '/redfish/v1';
/** Where DSP0266 puts the sessions collection when the service root does not link it. */
const DEFAULT_SESSIONS = '/redfish/v1/SessionService/Sessions';

interface SessionToken {
  readonly token: string;
  readonly location: string | undefined;
}

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** How long to keep asking a busy BMC. */
export interface BusyPolicy {
  /** Wait when the BMC gives no Retry-After (sushy's server-side retry delay is of this order). */
  readonly delayMs: number;
  /** Longest single wait, whatever Retry-After says. */
  readonly maxDelayMs: number;
  /** No retry starts after this long since the first attempt. */
  readonly budgetMs: number;
}

const DEFAULT_BUSY_POLICY: BusyPolicy = {
  delayMs: 2000,
  maxDelayMs: 10_000,
  budgetMs: 60_000,
};
/** As many runs as OpenStack Ironic's [redfish]post_boot_retry_attempts default. */
const BUSY_ATTEMPTS = 6;

/**
 * Authentication to one BMC. Prefers a Redfish session (X-Auth-Token, one login shared by
 * concurrent calls, logged in again once when the BMC expires it mid-way); uses HTTP Basic
 * only when the service root offers no SessionService. The credential is resolved from the
 * secret store at login time and never kept beyond the request that needs it.
 */
export class RedfishSession {
  private readonly serviceRoot = new SharedPromise<ServiceRoot>();
  private readonly session = new SharedPromise<SessionToken>();

  constructor(
    private readonly http: RedfishHttp,
    private readonly credential: string,
    private readonly secrets: SecretStore,
    private readonly busy: BusyPolicy = DEFAULT_BUSY_POLICY,
  ) {}

  /** The unauthenticated service root, read once. */
  root(): Promise<ServiceRoot> {
    return this.serviceRoot.get(() => this.readRoot());
  }

  /**
   * An authenticated request, sent again while the BMC answers busy (503, or the busy
   * messages of ./redfish-busy): at most BUSY_ATTEMPTS times and within the busy budget,
   * waiting what Retry-After says (capped) or the default delay. The last answer is returned.
   */
  async send(method: Method, path: string, req: RedfishRequest = {}): Promise<RedfishResponse> {
    const deadline = Date.now() + this.busy.budgetMs;
    for (let attempt = 1; ; attempt += 1) {
      const res = await this.sendOnce(method, path, req);
      const busy = busyRetry(res);
      if (busy === undefined || attempt >= BUSY_ATTEMPTS) return res;
      const waitMs = Math.min(busy.afterMs ?? this.busy.delayMs, this.busy.maxDelayMs);
      if (Date.now() + waitMs > deadline) return res;
      await sleep(waitMs);
    }
  }

  /** One request. 401 and 403 end in BmcAuthError, except one re-login on an expired session. */
  private async sendOnce(
    method: Method,
    path: string,
    req: RedfishRequest,
  ): Promise<RedfishResponse> {
    const sessions = sessionsPath(await this.root());
    if (sessions === undefined)
      return this.refuseUnauthorized(await this.http.request(method, path, this.withBasic(req)));
    const login = () => this.login(sessions);
    const current = this.session.get(login);
    const first = await this.http.request(method, path, withToken(req, (await current).token));
    if (first.status !== 401) return this.refuseUnauthorized(first);
    this.session.forget(current);
    return this.refuseUnauthorized(
      await this.http.request(method, path, withToken(req, (await this.session.get(login)).token)),
    );
  }

  /**
   * Deletes the session. Best effort on purpose: a BMC that cannot be reached to log out
   * expires the session by its SessionTimeout anyway, and close() must not hide the error
   * of the operation it follows.
   */
  async logout(): Promise<void> {
    const pending = this.session.peek();
    this.session.forget();
    if (pending === undefined) return;
    try {
      const session = await pending;
      if (session.location !== undefined)
        await this.http.request('DELETE', session.location, withToken({}, session.token));
    } catch {
      // See above: the session times out on the BMC.
    }
  }

  private async readRoot(): Promise<ServiceRoot> {
    const res = await this.http.request('GET', SERVICE_ROOT);
    const parsed = serviceRootSchema.safeParse(res.body);
    if (res.status !== 200 || !parsed.success)
      throw new BmcProtocolError(
        this.http.ctx,
        `service root ${SERVICE_ROOT}: ${this.http.describe(res)}`,
      );
    return parsed.data;
  }

  private async login(sessions: string): Promise<SessionToken> {
    const secret = this.secrets.resolve(this.credential);
    const password = secret.password ?? '';
    this.http.hide(password);
    const res = await this.http.request('POST', sessions, {
      json: { UserName: secret.username, Password: password },
    });
    if (res.status === 401 || res.status === 403)
      throw new BmcAuthError(
        this.http.ctx,
        `login with credential "${this.credential}": ${this.http.describe(res)}`,
      );
    const token = res.headers['x-auth-token'];
    if ((res.status !== 201 && res.status !== 200) || token === undefined || token === '') {
      throw new BmcProtocolError(
        this.http.ctx,
        `login at ${sessions} gave no session token: ${this.http.describe(res)}`,
      );
    }
    this.http.hide(token);
    const odataId = (res.body as { '@odata.id'?: unknown } | undefined)?.['@odata.id'];
    const where = res.headers.location ?? (typeof odataId === 'string' ? odataId : undefined);
    return { token, location: where === undefined ? undefined : this.http.path(where) };
  }

  private withBasic(req: RedfishRequest): RedfishRequest {
    const secret = this.secrets.resolve(this.credential);
    this.http.hide(secret.password ?? '');
    const basic = Buffer.from(`${secret.username}:${secret.password ?? ''}`).toString('base64');
    this.http.hide(basic);
    return { ...req, headers: { ...req.headers, authorization: `Basic ${basic}` } };
  }

  private refuseUnauthorized(res: RedfishResponse): RedfishResponse {
    if (res.status === 401 || res.status === 403) {
      throw new BmcAuthError(
        this.http.ctx,
        `credential "${this.credential}" refused: ${this.http.describe(res)}`,
      );
    }
    return res;
  }
}

function sessionsPath(root: ServiceRoot): string | undefined {
  const linked = root.Links?.Sessions?.['@odata.id'];
  if (linked !== undefined) return linked;
  return root.SessionService === undefined ? undefined : DEFAULT_SESSIONS;
}

function withToken(req: RedfishRequest, token: string): RedfishRequest {
  return { ...req, headers: { ...req.headers, 'x-auth-token': token } };
}
