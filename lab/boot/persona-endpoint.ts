import { createServer as createHttpServer } from 'node:http';
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import type { HealthCheck } from '../../inventory/topology-schema';

export interface PersonaEndpoint {
  readonly persona: string;
  stop(): Promise<void>;
}

const LOOPBACK = /^(?:127(?:\.\d{1,3}){3}|localhost|\[::1\])$/;

/** Whether the lab may listen where the check points (it listens on loopback only). */
export function onLoopback(check: HealthCheck): boolean {
  return LOOPBACK.test(check.host);
}

/**
 * What a running persona answers on its health address: its name over HTTP at the check's
 * path, an accepted connection for tcp, an SSH banner for ssh. Rejects with the listen
 * error (EADDRINUSE when something else already serves that address).
 */
export async function startPersonaEndpoint(
  persona: string,
  check: HealthCheck,
): Promise<PersonaEndpoint> {
  const server: Server =
    check.kind === 'http'
      ? createHttpServer((req, res) => {
          const ok = req.method === 'GET' && req.url?.split('?')[0] === check.path;
          res
            .writeHead(ok ? 200 : 404, { 'content-type': 'text/plain' })
            .end(ok ? `${persona}\n` : 'not found\n');
        })
      : createTcpServer((socket) => {
          socket.on('error', () => undefined);
          socket.end(
            check.kind === 'ssh'
              ? `SSH-2.0-rackshift_lab_${persona.replace(/[^A-Za-z0-9._]/g, '_')}\r\n`
              : `${persona}\n`,
          );
        });
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  const host = check.host.replace(/^\[|\]$/g, '');
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(check.port, host, () => resolve());
  });
  return {
    persona,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
