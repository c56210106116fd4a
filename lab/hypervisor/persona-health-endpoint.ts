import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import type { HealthCheck } from '../../inventory/topology-schema';

export interface HealthEndpoint {
  stop(): Promise<void>;
}

/**
 * What a running persona answers where its health check looks: HTTP GET on the path → 200
 * with the persona's name; TCP → accepts and writes the name; SSH → an SSH banner. Rejects
 * when the address is taken (the persona may be running somewhere else too).
 */
export async function startHealthEndpoint(persona: string, check: HealthCheck): Promise<HealthEndpoint> {
  let server: HttpServer | TcpServer;
  if (check.kind === 'http') {
    server = createHttpServer((req, res) => {
      const found = req.method === 'GET' && req.url === check.path;
      res.writeHead(found ? 200 : 404, { 'content-type': 'text/plain' }).end(found ? persona : 'not found');
    });
  } else {
    const greeting = check.kind === 'ssh' ? `SSH-2.0-rackshift_lab_${persona}\r\n` : `${persona}\n`;
    server = createTcpServer((socket) => {
      socket.on('error', () => socket.destroy());
      socket.end(greeting);
    });
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(check.port, check.host, () => resolve());
  });
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        if ('closeAllConnections' in server) server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
