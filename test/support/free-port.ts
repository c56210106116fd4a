import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

/**
 * Ports below Linux's ephemeral range (32768–60999): the kernel never hands these to an
 * outgoing connection, so a port a test stack listened on stays free while that stack restarts
 * (a port from the ephemeral range was taken by some client in that window: EADDRINUSE).
 */
const LOW = 20_000;
const HIGH = 32_767;

function randomPort(): number {
  return LOW + Math.floor(Math.random() * (HIGH - LOW + 1));
}

function tcpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.unref();
    socket.once('error', () => resolve(false));
    socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)));
  });
}

async function probe(free: (port: number) => Promise<boolean>, kind: string): Promise<number> {
  for (let tries = 0; tries < 200; tries += 1) {
    const port = randomPort();
    if (await free(port)) return port;
  }
  throw new Error(`no free ${kind} port on 127.0.0.1 between ${LOW} and ${HIGH} after 200 tries`);
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return probe(tcpFree, 'TCP');
}

/** A UDP port on 127.0.0.1 that was free a moment ago. */
export function freeUdpPort(): Promise<number> {
  return probe(udpFree, 'UDP');
}
