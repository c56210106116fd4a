import { Client, Connection } from '@temporalio/client';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Lab } from '../../lab/lab';
import { startLab } from '../../lab/start-lab';
import { LedgerClient, ledgerWorkflowId } from '../../temporal/ledger-client';
import { acquireUpdate, snapshotQuery } from '../../workflows/ledger/ledger-messages';
import { relocatedTopology, type RelocatedTopology } from '../support/relocated-topology';
import { runCli } from '../support/run-cli';
import {
  clusterArgs,
  clusterTls,
  startTemporalCluster,
  stopTemporalCluster,
  type ClusterState,
} from '../support/temporal-cluster';
import { spawnWorker, type WorkerProcess } from '../support/worker-process';
import { TASK_QUEUE } from '../../worker/task-queue';

jest.setTimeout(600_000);

/**
 * The ledger's writers are enforced by the server (temporal/authz-server, docs/security.md): on
 * rackshift's Temporal server, only client certificates named in --ledger-writers may change a
 * ledger/* workflow. A real worker with the writer's certificate runs the ledger; a client with
 * another certificate from the same CA is refused every change and may still read.
 */
const WRITER = 'rackshift-worker';
const OUTSIDER = 'rackshift-api';
const NS = `rackshift-authz-${process.pid}`;
const SITE = 'authz-site';
const PERMISSION_DENIED = 7;

let state: ClusterState;
let relocated: RelocatedTopology;
let lab: Lab;
let dir: string;
let worker: WorkerProcess | undefined;
const connections: Connection[] = [];

async function clientAs(cn: string): Promise<Client> {
  const connection = await Connection.connect({
    address: state.address,
    tls: clusterTls(state, cn),
  });
  connections.push(connection);
  return new Client({ connection, namespace: NS });
}

interface GrpcError extends Error {
  code?: number;
  metadata?: { get(key: string): (string | Buffer)[] };
}

/**
 * The gRPC status of a refused call, from the error or its causes, and its details: the server's
 * PermissionDenied failure, whose `reason` string is read from the encoded status as text.
 */
async function refusal(call: () => Promise<unknown>): Promise<{ code: unknown; details: string }> {
  try {
    await call();
  } catch (e) {
    for (let c: unknown = e; c instanceof Error; c = (c as { cause?: unknown }).cause) {
      const g = c as GrpcError;
      if (g.code === undefined || !g.metadata) continue;
      const details = g.metadata.get('grpc-status-details-bin').map((d) => d.toString('latin1'));
      return { code: g.code, details: details.join('') };
    }
    throw e;
  }
  throw new Error('the call was not refused');
}

beforeAll(async () => {
  state = await startTemporalCluster({ ledgerWriters: [WRITER], clientCns: [WRITER, OUTSIDER] });
  relocated = await relocatedTopology();
  dir = mkdtempSync(join(tmpdir(), 'rackshift-authz-'));
  lab = await startLab({
    topology: relocated.topology,
    dataDir: join(dir, 'lab'),
    apiBaseUrl: `http://127.0.0.1:${await relocated.freePort()}`,
  });
  await runCli(['admin', 'setup', ...clusterArgs(state, WRITER), '--namespace', NS]);
  worker = await spawnWorker({
    temporal: state.address,
    topologyFile: relocated.file,
    secretsFile: lab.secretsFile,
    args: [...clusterArgs(state, WRITER), '--namespace', NS],
  });
});

afterAll(async () => {
  await worker?.kill('SIGKILL');
  await lab?.stop();
  for (const c of connections) await c.close();
  if (state) await stopTemporalCluster(state);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("rackshift's Temporal server lets only the ledger writers change a ledger", () => {
  it('the worker certificate changes the ledger; another certificate is refused and may read', async () => {
    const writer = await clientAs(WRITER);
    const granted = await new LedgerClient(writer).acquire(SITE, {
      holder: 'runbook/authz-1',
      resources: ['machine:m-authz-1'],
      purpose: 'writer',
    });
    expect(granted.granted).toEqual(['machine:m-authz-1']);
    const handle = writer.workflow.getHandle(ledgerWorkflowId(SITE));
    const before = await handle.query(snapshotQuery);
    expect(Object.keys(before.leases)).toEqual(['machine:m-authz-1']);

    const outsider = await clientAs(OUTSIDER);
    const ledger = outsider.workflow.getHandle(ledgerWorkflowId(SITE));
    const attempts: Record<string, () => Promise<unknown>> = {
      'update with start': () =>
        new LedgerClient(outsider).acquire(SITE, {
          holder: 'runbook/outsider',
          resources: ['machine:m-authz-2'],
        }),
      update: () =>
        ledger.executeUpdate(acquireUpdate, {
          args: [{ holder: 'runbook/outsider', resources: ['machine:m-authz-1'] }],
        }),
      signal: () => ledger.signal('release', { holder: 'runbook/authz-1' }),
      terminate: () => ledger.terminate('outsider'),
      cancel: () => ledger.cancel(),
      start: () =>
        outsider.workflow.start('siteLedger', {
          workflowId: ledgerWorkflowId('authz-other'),
          taskQueue: TASK_QUEUE,
          args: [{ site: 'authz-other' }],
        }),
    };
    for (const [what, call] of Object.entries(attempts)) {
      const r = await refusal(call);
      expect({ what, code: r.code }).toEqual({ what, code: PERMISSION_DENIED });
      expect(r.details).toContain("for rackshift's ledger writers only");
      expect(r.details).toContain(`certificate CN "${OUTSIDER}" is not one`);
    }

    // Unchanged, and still running; reading stays open to the outsider.
    expect(await ledger.query(snapshotQuery)).toEqual(before);
    const described = await ledger.describe();
    expect(described.status.name).toBe('RUNNING');
    // Visibility is written after the start, so the list is asked until the ledger shows up.
    const query = `WorkflowId = '${ledgerWorkflowId(SITE)}'`;
    let listed: string[] = [];
    for (let i = 0; i < 100 && listed.length === 0; i += 1) {
      listed = [];
      for await (const w of outsider.workflow.list({ query })) listed.push(w.workflowId);
      if (listed.length === 0) await new Promise((r) => setTimeout(r, 200));
    }
    expect(listed).toEqual([ledgerWorkflowId(SITE)]);
    // Workflows other than ledgers are the outsider's to start as before.
    const other = await outsider.workflow.start('siteLedger', {
      workflowId: `not-a-ledger/${process.pid}`,
      taskQueue: 'rackshift-authz-idle',
      args: [{ site: 'x' }],
    });
    await other.terminate('done');
  });

  it("a runbook started with the API's certificate changes the ledger through the worker", async () => {
    // As `rackshift api` does: start the run; its activities, on the writer's connection in the
    // worker, lease the machine, record its power and release it.
    const api = await clientAs(OUTSIDER);
    const report = await api.workflow.execute('power', {
      taskQueue: TASK_QUEUE,
      workflowId: `authz/power/m-r1-01/${process.pid}`,
      args: [{ machine: 'm-r1-01', action: 'on' }],
    });
    expect(report).toMatchObject({ machine: 'm-r1-01', stateAfter: 'on' });
    const dc1 = await api.workflow.getHandle(ledgerWorkflowId('dc1')).query(snapshotQuery);
    expect(dc1.machines['m-r1-01']?.power).toBe('on');
    expect(dc1.leases).toEqual({});
  });
});
