import { status as GrpcStatus } from '@grpc/grpc-js';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { CONNECTION_CLOSED_DETAILS } from '../../temporal/connect';
import { freePort } from '../support/free-port';
import { ROOT } from '../support/lab-fixtures';

jest.setTimeout(30_000);

const probe = async (mode: 'guarded' | 'plain') => {
  const address = `127.0.0.1:${await freePort()}`;
  return spawnSync(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'test', 'support', 'close-during-retry.ts'), mode, address],
    { cwd: ROOT, encoding: 'utf8', timeout: 20_000 },
  );
};

/**
 * Temporal's client retries an UNAVAILABLE call on a timer. When the connection is closed while a
 * retry waits (a process shutting down mid-query), grpc-js throws "Channel has been shut down"
 * from that timer: an uncaught exception nobody can catch, which Jest pins on whichever suite runs
 * next. rackshift's connections end such a call CANCELLED instead. Run in a child process, where
 * an uncaught exception can be seen.
 */
describe('a Temporal connection closed while a call waits to be retried', () => {
  it('rejects the call with CANCELLED and says why, with nothing thrown from a timer', async () => {
    const r = await probe('guarded');
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe(
      `rejected: code=${GrpcStatus.CANCELLED} ${CONNECTION_CLOSED_DETAILS}`,
    );
    expect(r.status).toBe(0);
  });

  it("throws from the timer with Temporal's retry interceptor alone (the failure the guard exists for)", async () => {
    const r = await probe('plain');
    expect(r.stdout.trim()).toBe('uncaught: Channel has been shut down');
    expect(r.status).toBe(3);
  });
});
