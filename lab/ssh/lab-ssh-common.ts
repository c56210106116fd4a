import { timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { AuthenticationType, Connection, Server } from 'ssh2';
import type { Secret } from '../../common/secrets';

export interface LabSshListener {
  readonly port: number;
  stop(): Promise<void>;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Lets `client` in with the credential's username and password only, by `password` (and,
 * with `keyboardInteractive`, a `Password: ` prompt, as switches offer); while `refuse()` is
 * true every login fails as with a wrong password.
 */
export function authenticateLabClient(
  client: Connection,
  credential: Secret,
  options: { readonly keyboardInteractive?: boolean; readonly refuse?: () => boolean } = {},
): void {
  const methods: AuthenticationType[] =
    options.keyboardInteractive === true ? ['password', 'keyboard-interactive'] : ['password'];
  const ok = (username: string, password: string): boolean =>
    options.refuse?.() !== true &&
    same(username, credential.username) &&
    same(password, credential.password ?? '');
  client.on('authentication', (ctx) => {
    if (ctx.method === 'password') {
      if (ok(ctx.username, ctx.password)) ctx.accept();
      else ctx.reject(methods);
    } else if (ctx.method === 'keyboard-interactive' && options.keyboardInteractive === true) {
      ctx.prompt([{ prompt: 'Password: ', echo: false }], (answers) =>
        ok(ctx.username, answers[0] ?? '') ? ctx.accept() : ctx.reject(methods),
      );
    } else ctx.reject(methods);
  });
}

/**
 * Tracks the server's connections (each answer is a few small writes: Nagle plus delayed ACKs
 * would add ~40 ms to every line, so Nagle is off; ssh2's server connection has setNoDelay at
 * run time, its typings omit it), listens on the address and port, and stops by ending every
 * connection and closing the server.
 */
export async function listenLabSsh(
  server: Server,
  clients: Set<Connection>,
  port: number,
  address = '127.0.0.1',
): Promise<LabSshListener> {
  server.on('connection', (client) => {
    clients.add(client);
    (client as Connection & { setNoDelay(noDelay: boolean): void }).setNoDelay(true);
    client.on('close', () => clients.delete(client));
    client.on('error', () => clients.delete(client));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => resolve());
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
