import { randomInt } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * Test ports come from below the kernel's ephemeral range (and above the example topologies'
 * fixed ports, all under 20000). A port bind(0) handed out there could be taken before the
 * listener binds it by any outgoing connection's local port or any process that binds port 0,
 * as the Temporal dev server does for its internal services: on the shared test machine that
 * made `rackshift dev` die with EADDRINUSE at start, or a lab persona's health endpoint fail.
 */
const LOW = 20_000;
const HIGH = ((): number => {
  try {
    const first = Number(
      readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0],
    );
    return Number.isInteger(first) && first > LOW + 1000 ? first : 32_768;
  } catch {
    return 32_768;
  }
})();

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function canBindUdp(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.unref();
    socket.once('error', () => {
      socket.close();
      resolve(false);
    });
    socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)));
  });
}

async function pick(free: (port: number) => Promise<boolean>, kind: string): Promise<number> {
  for (let i = 0; i < 500; i += 1) {
    const port = randomInt(LOW, HIGH);
    if (await free(port)) return port;
  }
  throw new Error(`no free ${kind} port on 127.0.0.1 between ${LOW} and ${HIGH - 1}`);
}

/** A TCP port on 127.0.0.1 that was free a moment ago (below the ephemeral range). */
export function freePort(): Promise<number> {
  return pick(canListen, 'TCP');
}

/** A UDP port on 127.0.0.1 that was free a moment ago (below the ephemeral range). */
export function freeUdpPort(): Promise<number> {
  return pick(canBindUdp, 'UDP');
}
