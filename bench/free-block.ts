import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A block of `count` free loopback ports, first fit: below the ephemeral range (as
 * test/support/free-port does), else above it, where a thousand personas' listeners still fit.
 */
export async function freeBlock(count: number): Promise<number> {
  const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
    .trim()
    .split(/\s+/)
    .map(Number) as [number, number];
  for (const [from, to] of [
    [20_000, low],
    [high + 1, 65_536],
  ] as const) {
    let base = from;
    for (let p = from; p < to; p += 1) {
      if (!(await canListen(p))) base = p + 1;
      else if (p - base + 1 >= count) return base;
    }
  }
  throw new Error(`no block of ${count} free loopback ports found`);
}
