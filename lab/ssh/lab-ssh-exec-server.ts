import { timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Server, type Connection } from 'ssh2';
import type { Secret } from '../../common/secrets';
import type { ExecResult } from '../../drivers/ssh/ssh-transport';

/** virsh reads a whole domain XML from stdin; nothing rackshift sends comes near this. */
const MAX_STDIN = 1024 * 1024;

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
 * An SSH server that accepts one username/password and answers exec requests with `handle` —
 * how lab arrays and lab hypervisor hosts look to rackshift's real SSH client. Shells are
 * refused: these devices are driven one command per exec. With `readStdin`, a command is
 * answered once the client has closed stdin (so `virsh define /dev/stdin` gets its XML);
 * while `reachable()` is false, connections are dropped as a powered-off host's are.
 */
export async function startLabSshExecServer(options: {
  readonly address?: string;
  readonly port: number;
  readonly hostKey: Buffer;
  readonly credential: Secret;
  readonly readStdin?: boolean;
  readonly reachable?: () => boolean;
  readonly handle: (command: string, stdin: string) => ExecResult | Promise<ExecResult>;
}): Promise<LabSshExecServer> {
  const clients = new Set<Connection>();
  const server = new Server({ hostKeys: [options.hostKey] }, (client) => {
    if (options.reachable && !options.reachable()) {
      client.end();
      return;
    }
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
          const answer = (result: ExecResult | Promise<ExecResult>): void => {
            Promise.resolve(result).then(
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
          };
          if (!options.readStdin) {
            answer(options.handle(info.command, ''));
            return;
          }
          const chunks: Buffer[] = [];
          let size = 0;
          stream.on('data', (d: Buffer) => {
            size += d.length;
            if (size <= MAX_STDIN) chunks.push(d);
          });
          stream.on('end', () => {
            if (size > MAX_STDIN) answer({ stdout: '', stderr: 'error: input too large\n', code: 1 });
            else answer(options.handle(info.command, Buffer.concat(chunks).toString('utf8')));
          });
        });
        session.on('shell', (_accept, reject) => reject());
        session.on('pty', (_accept, reject) => reject?.());
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.address ?? '127.0.0.1', () => resolve());
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
