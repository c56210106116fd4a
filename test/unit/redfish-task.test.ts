import { taskOutcome, waitForTask } from '../../drivers/power/redfish-task';

describe('taskOutcome', () => {
  it.each<[number, unknown, string]>([
    [202, undefined, 'running'],
    [202, { TaskState: 'Completed' }, 'running'],
    [200, { TaskState: 'Running' }, 'running'],
    [200, { TaskState: 'New' }, 'running'],
    [200, { TaskState: 'Completed' }, 'done'],
    [204, undefined, 'done'],
    [200, { PowerState: 'On' }, 'done'],
    [200, { TaskState: 'Exception' }, 'failed'],
    [200, { TaskState: 'Killed' }, 'failed'],
    [200, { TaskState: 'Cancelled' }, 'failed'],
    [404, undefined, 'failed'],
    [500, { TaskState: 'Running' }, 'failed'],
  ])('HTTP %d with %j is %s', (status, body, kind) => {
    expect(taskOutcome(status, body).kind).toBe(kind);
  });

  it("carries the task's messages when it ends badly", () => {
    expect(
      taskOutcome(200, {
        TaskState: 'Exception',
        Messages: [{ Message: 'PSU fault' }, {}, { Message: 'retry later' }],
      }),
    ).toEqual({
      kind: 'failed',
      detail: 'task ended Exception: PSU fault; retry later',
    });
  });
});

describe('waitForTask', () => {
  it('polls until the task is finished', async () => {
    const answers = [
      { status: 202, body: undefined },
      { status: 200, body: { TaskState: 'Running' } },
      { status: 200, body: { TaskState: 'Completed' } },
    ];
    let polls = 0;
    const outcome = await waitForTask(async () => answers[polls++]!, {
      timeoutMs: 5_000,
      pollIntervalMs: 1,
    });
    expect(outcome).toEqual({ kind: 'done' });
    expect(polls).toBe(3);
  });

  it('stops with timeout when the deadline passes first', async () => {
    let polls = 0;
    const outcome = await waitForTask(
      async () => {
        polls += 1;
        return { status: 202, body: undefined };
      },
      { timeoutMs: 30, pollIntervalMs: 10 },
    );
    expect(outcome).toEqual({ kind: 'timeout' });
    expect(polls).toBeGreaterThan(1);
  });
});
