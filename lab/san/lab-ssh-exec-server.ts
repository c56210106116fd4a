import { timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Server, type Connection } from 'ssh2';
import type { Secret } from '../../common/secrets';
import type { ExecResult } from '../../drivers/ssh/ssh-transport';

export interface LabSshExecServer {
  readonly port: number;
  stop(): Promise<void>;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * An SSH server on loopback that accepts one username/password and answers exec requests
 * with `handle` — how lab arrays look to rackshift's real SSH client. Shells are refused:
 * arrays are driven one command per exec.
 */
export async function startLabSshExecServer(options: {
  readonly port: number;
  readonly hostKey: Buffer;
  readonly credential: Secret;
  readonly handle: (command: string) => Promise<ExecResult>;
}): Promise<LabSshExecServer> {
  const clients = new Set<Connection>();
  const server = new Server({ hostKeys: [options.hostKey] }, (client) => {
    clients.add(client);
    // Each answer is a few small writes; Nagle plus delayed ACKs would add ~40 ms to every
    // command. ssh2's server connection has setNoDelay at run time; its typings omit it.
    (client as Connection & { setNoDelay(noDelay: boolean): void }).setNoDelay(true);
    client.on('close', () => clients.delete(client));
    client.on('error', () => clients.delete(client));
    client.on('authentication', (ctx) => {
      const { username, password = '' } = options.credential;
      if (ctx.method === 'password' && same(ctx.username, username) && same(ctx.password, password)) ctx.accept();
      else ctx.reject(['password']);
    });
    client.on('ready', () => {
      client.on('session', (acceptSession) => {
        const session = acceptSession();
        session.on('exec', (accept, _reject, info) => {
          const stream = accept();
          options.handle(info.command).then(
            (r) => {
              if (r.stdout) stream.write(r.stdout);
              if (r.stderr) stream.stderr.write(r.stderr);
              stream.exit(r.code ?? 1);
              stream.end();
            },
            (e: unknown) => {
              stream.stderr.write(`${(e as Error).message}\n`);
              stream.exit(1);
              stream.end();
            },
          );
        });
        session.on('shell', (_accept, reject) => reject());
        session.on('pty', (_accept, reject) => reject?.());
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const c of clients) c.end();
        server.close(() => resolve());
      }),
  };
}
