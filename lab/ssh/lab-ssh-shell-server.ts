import { timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Server, type Connection, type ServerChannel } from 'ssh2';
import type { Secret } from '../../common/secrets';
import type { LabCli } from '../switch/lab-cli';

/** A lab CLI that wants to know when its session ends (a FOS transaction dies with its owner). */
export interface LabShellCli extends LabCli {
  closed?(): void;
}

export interface LabSshShellServer {
  readonly port: number;
  stop(): Promise<void>;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * An SSH server that accepts one username/password and gives every PTY shell a CLI of its own
 * (`newCli`), echoing each line and answering with the CLI's output and next prompt, as a
 * switch's shell does; a one-line exec is answered by a fresh CLI. For lab devices driven over
 * an interactive shell (a Brocade fabric).
 */
export async function startLabSshShellServer(options: {
  readonly address?: string;
  readonly port: number;
  readonly hostKey: Buffer;
  readonly credential: Secret;
  readonly newCli: () => LabShellCli;
}): Promise<LabSshShellServer> {
  const clients = new Set<Connection>();
  const shell = (stream: ServerChannel): void => {
    const cli = options.newCli();
    let pending = '';
    let ended = false;
    const end = (): void => {
      if (ended) return;
      ended = true;
      cli.closed?.();
    };
    stream.on('close', end);
    // The client closing its side (exit of the SSH client) ends the session, as on the device.
    stream.on('end', () => {
      stream.exit(0);
      stream.end();
      end();
    });
    stream.write(`\r\n${cli.prompt()}`);
    stream.on('data', (data: Buffer) => {
      pending += data.toString('utf8');
      let at: number;
      while ((at = pending.search(/\r\n|\r|\n/)) >= 0) {
        const line = pending.slice(0, at);
        pending = pending.slice(at + (pending.startsWith('\r\n', at) ? 2 : 1));
        const answer = cli.handle(line);
        const body = answer.output === '' ? '' : `${answer.output.replace(/\r?\n/g, '\r\n')}\r\n`;
        if (answer.close) {
          stream.write(`${line}\r\n${body}`);
          stream.exit(0);
          stream.end();
          end();
          return;
        }
        stream.write(`${line}\r\n${body}${cli.prompt()}`);
      }
    });
  };
  const server = new Server({ hostKeys: [options.hostKey] }, (client) => {
    clients.add(client);
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
        session.on('pty', (accept) => accept?.());
        session.on('shell', (accept) => shell(accept()));
        session.on('exec', (accept, _reject, info) => {
          const stream = accept();
          const cli = options.newCli();
          const answer = cli.handle(info.command);
          cli.closed?.();
          stream.write(answer.output === '' ? '' : `${answer.output}\n`);
          stream.exit(0);
          stream.end();
        });
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
