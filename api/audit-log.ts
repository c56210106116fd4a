import type { RequestHandler, Response } from 'express';
import type { Principal } from './token-store';

/** One state-changing request: who, what, which run, and how it ended. */
export interface AuditEntry {
  readonly at: string;
  readonly event: 'api.request';
  /** The token's name; null when no valid token was presented (a 401 is audited too). */
  readonly actor: string | null;
  readonly tokenId: string | null;
  readonly role: string | null;
  /**
   * How the caller proved who it is: a bearer token, or the Temporal UI's codec session cookie
   * (api/routes/codec-session.ts); null with no valid credential.
   */
  readonly credential: 'bearer' | 'codec-session' | null;
  readonly method: string;
  readonly path: string;
  /** The run the request started, cancelled or approved, when there is one. */
  readonly runId: string | null;
  readonly status: number;
  readonly outcome: 'ok' | 'denied' | 'refused' | 'failed';
  /** The error code of a refused or failed request. */
  readonly code: string | null;
}

export type AuditSink = (entry: AuditEntry) => void;

/** One JSON line per entry on stdout: what a log shipper (journald, Loki, Splunk) reads. */
export const stdoutAudit: AuditSink = (entry) => {
  process.stdout.write(`${JSON.stringify(entry)}\n`);
};

/** Routes name the run they touched here, for the audit entry. */
export function auditRun(res: Response, runId: string): void {
  res.locals.auditRunId = runId;
}

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

function outcomeOf(status: number): AuditEntry['outcome'] {
  if (status < 400) return 'ok';
  if (status === 401 || status === 403) return 'denied';
  return status >= 500 ? 'failed' : 'refused';
}

/**
 * Audits every request that may change state (anything but GET/HEAD/OPTIONS) once its answer
 * is sent, refused ones included. Installed before authentication so that 401s are audited.
 */
export function auditLog(sink: AuditSink): RequestHandler {
  return (req, res, next) => {
    if (READS.has(req.method)) {
      next();
      return;
    }
    const json = res.json.bind(res);
    let code: string | null = null;
    res.json = (body: unknown) => {
      code = (body as { error?: { code?: string } } | undefined)?.error?.code ?? null;
      return json(body);
    };
    res.once('finish', () => {
      const p = res.locals.principal as Principal | undefined;
      sink({
        at: new Date().toISOString(),
        event: 'api.request',
        actor: p?.name ?? null,
        tokenId: p?.tokenId ?? null,
        role: p?.role ?? null,
        credential:
          p === undefined
            ? null
            : ((res.locals.credential as AuditEntry['credential'] | undefined) ?? 'bearer'),
        method: req.method,
        path: req.originalUrl.split('?')[0]!,
        runId: (res.locals.auditRunId as string | undefined) ?? null,
        status: res.statusCode,
        outcome: outcomeOf(res.statusCode),
        code,
      });
    });
    next();
  };
}
