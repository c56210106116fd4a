import { Server, type Connection } from 'ssh2';
import type { Secret } from '../../common/secrets';
import type { ExecResult } from '../../drivers/ssh/ssh-transport';
import { authenticateLabClient, listenLabSsh, type LabSshListener } from './lab-ssh-common';

/** virsh reads a whole domain XML from stdin; nothing rackshift sends comes near this. */
const MAX_STDIN = 1024 * 1024;

export type LabSshExecServer = LabSshListener;

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
    authenticateLabClient(client, options.credential);
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
            if (size > MAX_STDIN)
              answer({ stdout: '', stderr: 'error: input too large\n', code: 1 });
            else answer(options.handle(info.command, Buffer.concat(chunks).toString('utf8')));
          });
        });
        session.on('shell', (_accept, reject) => reject());
        session.on('pty', (_accept, reject) => reject?.());
      });
    });
  });
  return listenLabSsh(server, clients, options.port, options.address);
}
