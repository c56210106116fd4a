import type { FullStack } from './full-stack';

/** The stack's API with its admin token: `api('/api/v1/…', { method, body })`. */
export function stackApi(
  stack: () => FullStack,
): (path: string, init?: RequestInit) => Promise<Response> {
  return (path, init = {}) =>
    fetch(`${stack().api.url}${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${stack().token}`,
        'content-type': 'application/json',
        ...(init.headers ?? {}),
      },
    });
}

/** Starts a runbook through the API as an operator would; returns its run id (the workflow id). */
export async function startThroughApi(
  api: ReturnType<typeof stackApi>,
  runbook: string,
  input: Record<string, unknown>,
): Promise<string> {
  const res = await api(`/api/v1/runbooks/${runbook}/runs`, {
    method: 'POST',
    body: JSON.stringify({ input }),
  });
  const body = (await res.json()) as { runId?: string };
  if (res.status !== 202 || body.runId === undefined)
    throw new Error(`POST ${runbook} answered ${res.status}: ${JSON.stringify(body)}`);
  return body.runId;
}
