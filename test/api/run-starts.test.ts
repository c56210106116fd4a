import { newToken } from '../../api/auth';
import type { AuditEntry } from '../../api/audit-log';
import { StaticTokens } from '../../api/token-store';
import { ACTOR_KEY } from '../../temporal/search-attributes';
import { serveTestApi, type TestApi } from '../support/test-api';
import { pollUntil as until } from '../support/until';
import { startTestTemporal, type TestTemporal } from '../support/temporal-server';

/*
 * How the API starts runs: who started it (memo, RackshiftActor, audit), Idempotency-Key, and one
 * run per machine. No worker: the runs started here stay RUNNING, so "in flight" is certain.
 */
jest.setTimeout(120_000);

let temporal: TestTemporal;
let api: TestApi;
const audit: AuditEntry[] = [];
const alice = newToken();
const bob = newToken();
const viewer = newToken();

beforeAll(async () => {
  temporal = await startTestTemporal();
  const verifier = new StaticTokens([
    { token: alice, name: 'alice', role: 'operator' },
    { token: bob, name: 'bob', role: 'operator' },
    { token: viewer, name: 'vera', role: 'viewer' },
  ]);
  api = await serveTestApi(temporal.client, { verifier, audit: (e) => void audit.push(e) });
});

afterAll(async () => {
  await api?.stop();
  await temporal?.stop();
});

async function start(
  token: string,
  runbook: string,
  input: unknown,
  key?: string,
): Promise<{ status: number; json: any; replayed: string | null }> {
  const res = await fetch(`${api.url}/api/v1/runbooks/${runbook}/runs`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      ...(key !== undefined && { 'idempotency-key': key }),
    },
    body: JSON.stringify({ input }),
  });
  return {
    status: res.status,
    json: await res.json(),
    replayed: res.headers.get('idempotent-replayed'),
  };
}

describe('who started a run', () => {
  it("is in the run's memo, its RackshiftActor search attribute (filterable) and the audit log", async () => {
    const started = await start(alice, 'power', { machine: 'm-r1-01', action: 'on' });
    expect(started.status).toBe(202);
    const runId: string = started.json.runId;
    const d = await temporal.client.workflow.getHandle(runId).describe();
    expect(d.memo).toMatchObject({
      startedBy: { name: 'alice', role: 'operator', tokenId: expect.stringMatching(/^static-/) },
    });
    expect(d.typedSearchAttributes.get(ACTOR_KEY)).toBe('alice');
    const listed = async (): Promise<string[]> => {
      const ids: string[] = [];
      for await (const w of temporal.client.workflow.list({ query: `RackshiftActor = 'alice'` }))
        ids.push(w.workflowId);
      return ids;
    };
    expect(await until(listed, (ids) => ids.includes(runId))).toContain(runId);

    expect(audit).toContainEqual({
      at: expect.any(String),
      event: 'api.request',
      actor: 'alice',
      tokenId: expect.any(String),
      role: 'operator',
      credential: 'bearer',
      method: 'POST',
      path: '/api/v1/runbooks/power/runs',
      runId,
      status: 202,
      outcome: 'ok',
      code: null,
    });
    await start(viewer, 'power', { machine: 'm-r1-01', action: 'off' });
    expect(audit.at(-1)).toMatchObject({
      actor: 'vera',
      role: 'viewer',
      status: 403,
      outcome: 'denied',
      code: 'Forbidden',
      runId: null,
    });
    await start('not-a-token-at-all-0000', 'power', { machine: 'm-r1-01', action: 'off' });
    expect(audit.at(-1)).toMatchObject({
      actor: null,
      status: 401,
      outcome: 'denied',
      code: 'Unauthorized',
    });
    // Reads are not audited.
    const count = audit.length;
    await fetch(`${api.url}/api/v1/runs`, { headers: { authorization: `Bearer ${alice}` } });
    expect(audit).toHaveLength(count);
    await temporal.client.workflow.getHandle(runId).terminate('test over');
  });
});

describe('Idempotency-Key', () => {
  it('answers the same key and body, sent three times at once, with one run', async () => {
    const input = { machine: 'm-r1-02', action: 'cycle' };
    const answers = await Promise.all([1, 2, 3].map(() => start(alice, 'power', input, 'k1')));
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202]);
    const runIds = new Set(answers.map((a) => a.json.runId));
    const temporalRunIds = new Set(answers.map((a) => a.json.temporalRunId));
    expect([runIds.size, temporalRunIds.size]).toEqual([1, 1]);
    expect(answers.filter((a) => a.replayed === 'true')).toHaveLength(2);
    const [runId] = runIds;
    // A fourth, later, is the same run too: the key is Temporal's workflow id, not this process's
    // memory.
    const later = await start(alice, 'power', input, 'k1');
    expect(later).toMatchObject({
      status: 202,
      replayed: 'true',
      json: { runId, temporalRunId: [...temporalRunIds][0] },
    });

    const other = await start(alice, 'power', { ...input, action: 'off' }, 'k1');
    expect(other).toMatchObject({
      status: 409,
      json: {
        error: {
          code: 'Conflict',
          details: [
            {
              path: 'headers.idempotency-key',
              message: `already used by run ${runId} with another runbook or input`,
            },
          ],
        },
      },
    });
    const otherRunbook = await start(alice, 'repurpose', { persona: 'web-02' }, 'k1');
    expect(otherRunbook.status).toBe(409);
    await temporal.client.workflow.getHandle(runId).terminate('test over');
    // Ended, the key still answers with its run (REJECT_DUPLICATE), never a second one.
    expect(await start(alice, 'power', input, 'k1')).toMatchObject({
      status: 202,
      json: { runId },
    });
  });

  it('refuses a malformed key, naming the header', async () => {
    expect(
      await start(alice, 'power', { machine: 'm-r1-02', action: 'on' }, 'spaces are not allowed'),
    ).toMatchObject({
      status: 400,
      json: { error: { details: [{ path: 'headers.idempotency-key' }] } },
    });
  });
});

describe('one run per machine', () => {
  it('lets one of two concurrent cycles of a machine run; the other is 409 naming the run in flight', async () => {
    const input = { machine: 'm-r1-03', action: 'cycle' };
    const [a, b] = await Promise.all([start(alice, 'power', input), start(bob, 'power', input)]);
    const statuses = [a.status, b.status].sort();
    expect(statuses).toEqual([202, 409]);
    const won = a.status === 202 ? a : b;
    const lost = a.status === 202 ? b : a;
    expect(lost.json.error).toEqual({
      code: 'Conflict',
      message: `m-r1-03 is in use by run ${won.json.runId}; wait for it to end or cancel it`,
      details: [
        { path: 'input.machine', message: `run ${won.json.runId} is in flight on m-r1-03` },
      ],
    });
    // Another machine-scoped runbook on that machine is refused too.
    expect(
      (await start(bob, 'repurpose', { persona: 'web-02', machine: 'm-r1-03' })).json.error.message,
    ).toBe(`m-r1-03 is in use by run ${won.json.runId}; wait for it to end or cancel it`);
    // Once it has ended, the machine takes a new run.
    await temporal.client.workflow.getHandle(won.json.runId).terminate('test over');
    const next = await until(
      () => start(bob, 'power', input),
      (r) => r.status === 202,
    );
    expect(next.status).toBe(202);
    await temporal.client.workflow.getHandle(next.json.runId).terminate('test over');
  });
});
