import { Server, type Connection, type ServerChannel } from 'ssh2';
import type { Secret } from '../../common/secrets';
import type { LabCli } from '../switch/lab-cli';
import { authenticateLabClient, listenLabSsh, type LabSshListener } from './lab-ssh-common';

/** A lab CLI that wants to know when its session ends (a FOS transaction dies with its owner). */
export interface LabShellCli extends LabCli {
  closed?(): void;
}

export type LabSshShellServer = LabSshListener;

/** What an injected fault does to the next line a session sends. */
export type LabLineFault = 'hang' | 'drop' | undefined;

export interface LabSshShellServerOptions {
  readonly address?: string;
  readonly port: number;
  readonly hostKey: Buffer;
  readonly credential: Secret;
  readonly newCli: () => LabShellCli;
  /** Offer keyboard-interactive (`Password: `) besides password, as switches do. */
  readonly keyboardInteractive?: boolean;
  /** While true, every login fails as with a wrong password. */
  readonly refuseLogins?: () => boolean;
  /**
   * Consulted for every line: a hang swallows it (no answer, no prompt), a drop ends the
   * connection.
   */
  readonly lineFault?: () => LabLineFault;
  /**
   * A TCP connection arrived; a session authenticated; an authenticated session's connection
   * closed.
   */
  readonly onConnection?: () => void;
  readonly onSession?: () => void;
  readonly onSessionClosed?: () => void;
}

/**
 * An SSH server that accepts one username/password and gives every PTY shell a CLI of its own
 * (`newCli`), echoing each line (not while the CLI reads a secret) and answering with the
 * CLI's output and next prompt, as a switch's or a fabric's shell does; a CLI answers one line
 * at a time, so what is typed during a slow answer waits. A one-line exec is answered by a
 * fresh CLI, on stderr when its exit code is not 0.
 */
export async function startLabSshShellServer(
  options: LabSshShellServerOptions,
): Promise<LabSshShellServer> {
  const clients = new Set<Connection>();
  const faulted = (client: Connection): boolean => {
    const fault = options.lineFault?.();
    if (fault === 'drop') client.end();
    return fault !== undefined;
  };
  const shell = (client: Connection, stream: ServerChannel): void => {
    const cli = options.newCli();
    let pending = '';
    let busy = false;
    let ended = false;
    const end = (): void => {
      if (ended) return;
      ended = true;
      cli.closed?.();
    };
    const close = (): void => {
      stream.exit(0);
      stream.end();
      end();
    };
    stream.on('close', end);
    // The client closing its side (exit of the SSH client) ends the session, as on the device.
    stream.on('end', close);
    const drain = (): void => {
      let at: number;
      while (!busy && (at = pending.search(/\r\n|\r|\n/)) >= 0) {
        const line = pending.slice(0, at);
        pending = pending.slice(at + (pending.startsWith('\r\n', at) ? 2 : 1));
        if (faulted(client)) continue;
        const echo = cli.readingSecret === true ? '' : line;
        const answer = cli.handle(line);
        const body = answer.output === '' ? '' : `${answer.output.replace(/\r?\n/g, '\r\n')}\r\n`;
        if (answer.close) {
          stream.write(`${echo}\r\n${body}`);
          close();
          return;
        }
        if (answer.delayMs === undefined || answer.delayMs <= 0) {
          stream.write(`${echo}\r\n${body}${cli.prompt()}`);
          continue;
        }
        stream.write(`${echo}\r\n`);
        busy = true;
        setTimeout(() => {
          busy = false;
          if (stream.destroyed) return;
          stream.write(`${body}${cli.prompt()}`);
          drain();
        }, answer.delayMs);
      }
    };
    stream.write(`\r\n${cli.prompt()}`);
    stream.on('data', (data: Buffer) => {
      pending += data.toString('utf8');
      drain();
    });
  };
  const exec = (client: Connection, stream: ServerChannel, command: string): void => {
    if (faulted(client)) return;
    const cli = options.newCli();
    const answer = cli.handle(command);
    cli.closed?.();
    const text = answer.output === '' ? '' : `${answer.output}\n`;
    const code = answer.exitCode ?? 0;
    if (code === 0) stream.write(text);
    else stream.stderr.write(text);
    stream.exit(code);
    stream.end();
  };
  const server = new Server({ hostKeys: [options.hostKey] }, (client) => {
    options.onConnection?.();
    let authenticated = false;
    client.on('close', () => {
      if (authenticated) options.onSessionClosed?.();
    });
    authenticateLabClient(client, options.credential, {
      ...(options.keyboardInteractive !== undefined && {
        keyboardInteractive: options.keyboardInteractive,
      }),
      ...(options.refuseLogins !== undefined && { refuse: options.refuseLogins }),
    });
    client.on('ready', () => {
      authenticated = true;
      options.onSession?.();
      client.on('session', (acceptSession) => {
        const session = acceptSession();
        session.on('pty', (accept) => accept?.());
        session.on('shell', (accept) => shell(client, accept()));
        session.on('exec', (accept, _reject, info) => exec(client, accept(), info.command));
      });
    });
  });
  return listenLabSsh(server, clients, options.port, options.address);
}
