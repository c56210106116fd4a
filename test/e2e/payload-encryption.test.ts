import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Payload } from '@temporalio/common';
import { temporal as proto } from '@temporalio/proto';
import { FileTokenStore } from '../../api/token-store';
import type { Lab } from '../../lab/lab';
import { startLab } from '../../lab/start-lab';
import { parseCodecKeys } from '../../temporal/codec-keys';
import { findTemporalCli } from '../../temporal/find-temporal-cli';
import { AesGcmPayloadCodec } from '../../temporal/payload-codec';
import { NAMESPACE } from '../../worker/task-queue';
import { spawnApi, type ApiProcess } from '../support/api-process';
import { freePort } from '../support/free-port';
import { relocatedTopology } from '../support/relocated-topology';
import { startTestTemporal, type TestTemporal } from '../support/temporal-server';
import { spawnWorker, type WorkerProcess } from '../support/worker-process';

/*
 * Payload encryption end to end: a real dev server, a `rackshift worker` and a `rackshift api`
 * process with the same key file, a power run on a lab Redfish BMC. The server's raw history
 * holds no plaintext input or result; the API still answers the decoded result; the API's codec
 * endpoint decrypts for an operator only.
 */
jest.setTimeout(180_000);

const MACHINE = 'm-r1-03';
const UI = 'http://127.0.0.1:8233';
let temporal: TestTemporal;
let lab: Lab;
let dir: string;
let worker: WorkerProcess | undefined;
let api: ApiProcess | undefined;
let admin: string;
let viewer: string;
let operator: string;
const key = randomBytes(32).toString('base64');
const codec = new AesGcmPayloadCodec(parseCodecKeys(`k-2026 ${key}`, 'test'));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rackshift-codec-e2e-'));
  const keyFile = join(dir, 'codec.keys');
  writeFileSync(keyFile, `k-2026 ${key}\n`, { mode: 0o600 });
  const relocated = await relocatedTopology();
  lab = await startLab({
    topology: relocated.topology,
    dataDir: join(dir, 'lab'),
    only: ['redfish'],
    timing: { powerDelayMs: 300, bootMs: 100, shutdownMs: 100 },
  });
  temporal = await startTestTemporal();
  const flags = ['--codec-key-file', keyFile];
  worker = await spawnWorker({
    temporal: temporal.address,
    topologyFile: relocated.file,
    secretsFile: lab.secretsFile,
    args: flags,
  });
  const store = new FileTokenStore(join(dir, 'tokens.json'));
  viewer = store.create('vera', 'viewer').token;
  operator = store.create('otto', 'operator').token;
  admin = store.create('ada', 'admin').token;
  const tokenFile = join(dir, 'static.tokens');
  writeFileSync(tokenFile, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600 });
  api = await spawnApi({
    port: await freePort(),
    topologyFile: relocated.file,
    tokenFile,
    args: ['--temporal', temporal.address, '--token-store', store.file, '--ui-url', UI, ...flags],
  });
});

afterAll(async () => {
  await api?.kill();
  await worker?.kill();
  await lab?.stop();
  await temporal?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function call(
  token: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: any }> {
  const res = await fetch(`${api!.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined && { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: await res.json() };
}

type Event = proto.api.history.v1.IHistoryEvent;

/** Every history event of every workflow in the namespace (the run and the ledger), raw. */
async function rawHistories(): Promise<Event[]> {
  const svc = temporal.client.workflowService;
  const listed = await svc.listWorkflowExecutions({ namespace: NAMESPACE, pageSize: 100 });
  const events: Event[] = [];
  for (const w of listed.executions) {
    let nextPageToken: Uint8Array | undefined;
    do {
      const page = await svc.getWorkflowExecutionHistory({
        namespace: NAMESPACE,
        execution: w.execution!,
        ...(nextPageToken !== undefined && { nextPageToken }),
      });
      events.push(...(page.history?.events ?? []));
      nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
    } while (nextPageToken !== undefined);
  }
  return events;
}

/**
 * What stays plaintext by design, dropped before the search: search attributes (the server indexes
 * them), patch markers (the SDK's core writes the patch id, a name in rackshift's code, itself)
 * and a local activity marker's `data` (core's own record: sequence number, attempt, activity
 * type and times; the activity's result, under `result`, is encrypted like any payload).
 */
const LOCAL_ACTIVITY_MARKER = 'core_local_activity';

function withoutClearParts(e: Event): Event {
  const copy = proto.api.history.v1.HistoryEvent.decode(
    proto.api.history.v1.HistoryEvent.encode(e).finish(),
  );
  if (copy.workflowExecutionStartedEventAttributes)
    copy.workflowExecutionStartedEventAttributes.searchAttributes = null;
  copy.upsertWorkflowSearchAttributesEventAttributes = null;
  if (copy.startChildWorkflowExecutionInitiatedEventAttributes)
    copy.startChildWorkflowExecutionInitiatedEventAttributes.searchAttributes = null;
  if (copy.markerRecordedEventAttributes?.markerName === 'core_patch')
    copy.markerRecordedEventAttributes.details = null;
  if (copy.markerRecordedEventAttributes?.markerName === LOCAL_ACTIVITY_MARKER)
    delete copy.markerRecordedEventAttributes.details?.data;
  return copy;
}

const bytesOf = (events: Event[]): Buffer =>
  Buffer.from(proto.api.history.v1.History.encode({ events }).finish());

/** Every payload in the events, found by shape (an object with `metadata` and `data`). */
function payloadsIn(value: unknown, out: Payload[] = []): Payload[] {
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return out;
  const o = value as Record<string, unknown>;
  if (o.metadata !== undefined && o.data instanceof Uint8Array) out.push(o as Payload);
  else for (const v of Object.values(o)) payloadsIn(v, out);
  return out;
}

describe('payload encryption (AES-256-GCM codec in worker and API, real dev server)', () => {
  let runId: string;

  it('runs a power runbook; the API answers the decoded result', async () => {
    const started = await call(
      operator,
      'POST',
      '/api/v1/runbooks/power/runs',
      { input: { machine: MACHINE, action: 'on' } },
      { 'idempotency-key': `codec-${Date.now()}` },
    );
    expect(started.status).toBe(202);
    runId = started.json.runId;
    expect(runId).not.toContain(MACHINE);
    let run: { status: number; json: any } | undefined;
    for (let i = 0; i < 300 && run?.json.status !== 'COMPLETED'; i += 1) {
      await new Promise((r) => setTimeout(r, 200));
      run = await call(viewer, 'GET', `/api/v1/runs/${runId}`);
      expect(['RUNNING', 'COMPLETED']).toContain(run.json.status);
    }
    expect(run!.json.result).toMatchObject({ machine: MACHINE, stateAfter: 'on' });
    expect(lab.machine(MACHINE).powerState).toBe('on');
  });

  it("the server's raw histories hold no plaintext input or result, only encrypted payloads", async () => {
    const events = await rawHistories();
    expect(events.length).toBeGreaterThan(10);
    const payloads = payloadsIn(events);
    expect(payloads.length).toBeGreaterThan(5);
    // Every payload codec-encrypted with the current key, the clear parts aside.
    const clear = payloadsIn(
      events.map((e) => [
        e.workflowExecutionStartedEventAttributes?.searchAttributes,
        e.upsertWorkflowSearchAttributesEventAttributes,
        e.startChildWorkflowExecutionInitiatedEventAttributes?.searchAttributes,
        e.markerRecordedEventAttributes?.markerName === 'core_patch' &&
          e.markerRecordedEventAttributes.details,
        e.markerRecordedEventAttributes?.markerName === LOCAL_ACTIVITY_MARKER &&
          e.markerRecordedEventAttributes.details?.data,
      ]),
    );
    const encrypted = payloads.filter((p) => !clear.includes(p));
    for (const p of encrypted) {
      expect(Buffer.from(p.metadata!.encoding!).toString()).toBe('binary/encrypted');
      expect(Buffer.from(p.metadata!['encryption-key-id']!).toString()).toBe('k-2026');
    }
    // A local activity marker's result (the ledger's lease reclaim check, for one) is encrypted.
    const localActivities = events.filter(
      (e) => e.markerRecordedEventAttributes?.markerName === LOCAL_ACTIVITY_MARKER,
    );
    for (const e of localActivities)
      for (const p of payloadsIn(e.markerRecordedEventAttributes!.details!.result))
        expect(Buffer.from(p.metadata!.encoding!).toString()).toBe('binary/encrypted');
    const raw = bytesOf(events.map(withoutClearParts));
    for (const plain of [MACHINE, '"stateAfter"', '"action"', 'json/plain', '"otto"'])
      expect({ plain, found: raw.includes(plain) }).toEqual({ plain, found: false });
    // The search above would have found them: decrypted, the same payloads hold them.
    const decoded = Buffer.concat(
      (await codec.decode(encrypted)).map((p) => Buffer.from(p.data ?? [])),
    );
    for (const plain of [MACHINE, '"stateAfter"', '"action"', '"otto"'])
      expect({ plain, found: decoded.includes(plain) }).toEqual({ plain, found: true });
    // What stays in the clear, as docs/security.md says: the machine search attribute.
    expect(bytesOf(events).includes(MACHINE)).toBe(true);
  });

  it('the codec endpoint decodes for an operator, refuses a viewer, and encodes for an admin', async () => {
    const [started] = (await rawHistories()).filter(
      (e) => e.workflowExecutionStartedEventAttributes?.workflowType?.name === 'power',
    );
    const wire = (p: Payload) => ({
      metadata: Object.fromEntries(
        Object.entries(p.metadata!).map(([k, v]) => [k, Buffer.from(v!).toString('base64')]),
      ),
      data: Buffer.from(p.data!).toString('base64'),
    });
    const body = {
      payloads: started!.workflowExecutionStartedEventAttributes!.input!.payloads!.map(wire),
    };
    const refused = await call(viewer, 'POST', '/codec/decode', body);
    expect(refused.status).toBe(403);
    expect(refused.json.error.message).toMatch(
      /role viewer\) may not decrypt payloads .*roles that may: operator, admin$/,
    );
    const noToken = await fetch(`${api!.url}/codec/decode`, { method: 'POST' });
    expect(noToken.status).toBe(401);
    const decoded = await call(operator, 'POST', '/codec/decode', body, {
      'x-namespace': NAMESPACE,
    });
    expect(decoded.status).toBe(200);
    const [p] = decoded.json.payloads;
    expect(Buffer.from(p.metadata.encoding, 'base64').toString()).toBe('json/plain');
    expect(JSON.parse(Buffer.from(p.data, 'base64').toString())).toMatchObject({
      machine: MACHINE,
    });
    expect(
      (await call(operator, 'POST', '/codec/decode', body, { 'x-namespace': 'other' })).status,
    ).toBe(400);
    expect((await call(operator, 'POST', '/codec/encode', decoded.json)).status).toBe(403);
    const encoded = await call(admin, 'POST', '/codec/encode', decoded.json);
    expect(encoded.status).toBe(200);
    expect(Buffer.from(encoded.json.payloads[0].metadata.encoding, 'base64').toString()).toBe(
      'binary/encrypted',
    );
  });

  it('the Temporal CLI shows the run decoded through the codec endpoint (token in its environment)', async () => {
    const show = (auth: string) =>
      new Promise<string>((resolve, reject) =>
        execFile(
          findTemporalCli(),
          ['workflow', 'show', '--workflow-id', runId, '--output', 'json'],
          {
            env: {
              PATH: process.env.PATH ?? '',
              TEMPORAL_ADDRESS: temporal.address,
              TEMPORAL_NAMESPACE: NAMESPACE,
              TEMPORAL_CODEC_ENDPOINT: `${api!.url}/codec`,
              TEMPORAL_CODEC_AUTH: `Bearer ${auth}`,
            },
          },
          (err, stdout, stderr) => (err ? reject(new Error(stderr)) : resolve(stdout)),
        ),
      );
    // `--output json` prints payloads in proto3 JSON: the decoded values are in their base64 data.
    const plainOf = (out: string): string =>
      [...out.matchAll(/"data": "([A-Za-z0-9+/=]*)"/g)]
        .map((m) => Buffer.from(m[1]!, 'base64').toString('utf8'))
        .join('\n');
    const decoded = plainOf(await show(operator));
    expect(decoded).toContain(`"machine":"${MACHINE}"`);
    expect(decoded).toContain('"stateAfter":"on"');
    // A viewer's token: the CLI cannot decode (it fails or shows ciphertext), never plaintext.
    const refused = await show(viewer).then(plainOf, (e: Error) => e.message);
    expect(refused).not.toContain('stateAfter');
  });

  it("answers the Temporal UI's CORS preflight for the UI's origin only", async () => {
    const preflight = (origin: string) =>
      fetch(`${api!.url}/codec/decode`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type,x-namespace',
        },
      });
    const ok = await preflight(UI);
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe(UI);
    expect(ok.headers.get('access-control-allow-credentials')).toBe('true');
    expect(ok.headers.get('access-control-allow-headers')).toBe(
      'Authorization, Content-Type, X-Namespace',
    );
    const other = await preflight('http://evil.example');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    expect(other.headers.get('access-control-allow-headers')).toBeNull();
    // The refusal itself is readable by the UI (so it can say why), not by another origin.
    const refused = await fetch(`${api!.url}/codec/decode`, {
      method: 'POST',
      headers: { origin: UI },
    });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('access-control-allow-origin')).toBe(UI);
  });
});
