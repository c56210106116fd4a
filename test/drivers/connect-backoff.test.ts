import { createServer, type Server, type Socket } from 'node:net';
import { connectTemporalWithRetry, withBackoff } from '../../temporal/connect';

describe('waiting for Temporal with backoff', () => {
  it('retries a failing attempt with growing waits, one log line each, until it succeeds', async () => {
    const lines: string[] = [];
    let n = 0;
    const got = await withBackoff(
      async () => {
        n += 1;
        if (n < 3) throw new Error(`UNAVAILABLE try ${n}`);
        return 'up';
      },
      { waitMs: 30_000, what: 'rackshift worker: Temporal at t:7233', log: (l) => lines.push(l) },
    );
    expect(got).toBe('up');
    expect(lines).toEqual([
      'rackshift worker: Temporal at t:7233: attempt 1 failed (UNAVAILABLE try 1); retrying in 0.5 s',
      'rackshift worker: Temporal at t:7233: attempt 2 failed (UNAVAILABLE try 2); retrying in 1.0 s',
    ]);
  });

  it('gives up after the bounded wait, saying how many attempts and the last reason', async () => {
    const lines: string[] = [];
    await expect(
      withBackoff(() => Promise.reject(new Error('connection refused')), {
        waitMs: 1200,
        what: 'api: Temporal at x:1',
        log: (l) => lines.push(l),
      }),
    ).rejects.toThrow(
      /^api: Temporal at x:1: no answer after \d attempt\(s\) in 1 s: connection refused$/,
    );
    expect(lines.length).toBeGreaterThanOrEqual(2);
  });

  it('a real connection attempt to a port that does not speak gRPC fails within the bound instead of hanging', async () => {
    // A TCP listener that accepts and says nothing: the worst case, a wrong address behind a
    // firewall rule.
    const sockets = new Set<Socket>();
    const server: Server = createServer((s) => void sockets.add(s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    const lines: string[] = [];
    await expect(
      connectTemporalWithRetry(
        { address: `127.0.0.1:${port}`, connectTimeout: 500 },
        { waitMs: 1500, what: 'w', log: (l) => lines.push(l) },
      ),
    ).rejects.toThrow(/^w: no answer after \d+ attempt\(s\)/);
    expect(lines[0]).toMatch(/^w: attempt 1 failed/);
    // The abandoned attempts end when their sockets do.
    for (const s of sockets) s.destroy();
    server.close();
  });
});
