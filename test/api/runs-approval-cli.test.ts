import { newToken } from '../../api/auth';
import { TASK_QUEUE } from '../../worker/task-queue';
import type { ApprovalInput } from '../../workflows/site-failover/failover-messages';
import { serveTestApi, type TestApi } from '../support/test-api';
import { runCli } from '../support/run-cli';
import { startStandInWorker, type StandInWorker } from '../support/stand-in-worker';
import { startTestTemporal, type TestTemporal } from '../support/temporal-server';

/*
 * The worker runs a STAND-IN `siteFailover` (fixtures/fake-approval-workflows.ts) that waits for
 * the real `approval` Update: these tests check the CLI → API → Update path and its errors; what
 * the real failover does with a decision is tested in test/e2e/site-failover.test.ts.
 */
jest.setTimeout(120_000);

let temporal: TestTemporal;
let worker: StandInWorker;
let api: TestApi;
const token = newToken();

beforeAll(async () => {
  temporal = await startTestTemporal();
  worker = await startStandInWorker(
    temporal.address,
    require.resolve('./fixtures/fake-approval-workflows'),
  );
  api = await serveTestApi(temporal.client, { tokens: [token] });
});

afterAll(async () => {
  await api?.stop();
  await worker?.stop();
  await temporal?.stop();
});

/** `rackshift …` in-process against the test API. */
const rackshift = (...args: string[]): Promise<string> =>
  runCli([...args, '--api', api.url, '--token', token]);

let seq = 0;
async function failover(planSeconds = 0): Promise<string> {
  const workflowId = `site-failover/r1/cli-${++seq}`;
  await temporal.client.workflow.start('siteFailover', {
    workflowId,
    taskQueue: TASK_QUEUE,
    args: [{ planSeconds }],
  });
  return workflowId;
}

const decided = (runId: string) =>
  temporal.client.workflow.getHandle(runId).result() as Promise<{ approval: ApprovalInput }>;

describe('rackshift runs approve / reject', () => {
  it("approves a waiting plan, with why; who is the token's name; the run receives exactly that decision", async () => {
    const runId = await failover();
    const out = await rackshift('runs', 'approve', runId, '--reason', 'rack r1 is gone');
    expect(out).toBe(`${runId}: approved by admin\n  follow it: rackshift runs show ${runId}`);
    expect(await decided(runId)).toEqual({
      approval: { decision: 'approve', by: 'admin', reason: 'rack r1 is gone' },
    });
  });

  it('rejects, printing the API answer with --json', async () => {
    const runId = await failover();
    expect(JSON.parse(await rackshift('runs', 'reject', runId, '--json'))).toEqual({
      runId,
      by: 'admin',
      decision: 'rejected',
    });
    expect(await decided(runId)).toEqual({ approval: { decision: 'reject', by: 'admin' } });
  });

  it('says why when nothing waits: still planning, already decided, not a failover, no such run', async () => {
    const planning = await failover(600);
    await expect(rackshift('runs', 'approve', planning)).rejects.toThrow(
      `API 409: ${planning} did not take the decision: no plan is waiting for approval`,
    );
    await temporal.client.workflow.getHandle(planning).terminate('test over');

    const ended = await failover();
    await rackshift('runs', 'reject', ended);
    await decided(ended);
    await expect(rackshift('runs', 'approve', ended)).rejects.toThrow(
      `API 409: ${ended} has ended (COMPLETED); there is nothing to approve`,
    );

    const other = 'power/m-r1-01/cli-approval';
    await temporal.client.workflow.start('power', { workflowId: other, taskQueue: TASK_QUEUE });
    await expect(rackshift('runs', 'approve', other)).rejects.toThrow(
      `API 409: ${other} did not take the decision: No registered handler for update: approval`,
    );
    await temporal.client.workflow.getHandle(other).terminate('test over');

    await expect(rackshift('runs', 'approve', 'site-failover/r1/nope')).rejects.toThrow(
      'API 404: no run "site-failover/r1/nope"',
    );
  });

  it('refuses a bad run id or --reason before it asks the API', async () => {
    const fetched = jest.spyOn(globalThis, 'fetch');
    try {
      await expect(rackshift('runs', 'approve', 'site failover; rm')).rejects.toThrow(
        /argument 'runId'.*must be a run id/,
      );
      await expect(
        rackshift('runs', 'approve', 'site-failover/r1/x', '--by', 'eve'),
      ).rejects.toThrow(/unknown option '--by'/);
      await expect(
        rackshift('runs', 'reject', 'site-failover/r1/x', '--reason', 'x'.repeat(501)),
      ).rejects.toThrow(/--reason: Too big/);
      expect(fetched).not.toHaveBeenCalled();
    } finally {
      fetched.mockRestore();
    }
  });
});
