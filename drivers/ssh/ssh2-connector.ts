import { Client, type ClientChannel, type ConnectConfig } from 'ssh2';
import { z } from 'zod';
import { CredentialError } from '../../common/errors';
import type { SecretStore } from '../../common/secrets';
import { parseOrThrow } from '../../common/validate';
import { hostKeyFingerprint, sameFingerprint } from './host-key-fingerprint';
import {
  HostKeyMismatchError,
  SshAuthError,
  SshTimeoutError,
  SshUnreachableError,
} from './ssh-errors';
import type {
  ExecOptions,
  ExecResult,
  InteractiveShell,
  SshConnector,
  SshSession,
  SshTarget,
} from './ssh-transport';

const ssh2ConnectorOptionsSchema = z.strictObject({
  /** TCP connect + key exchange + authentication. */
  connectTimeoutMs: z.number().int().min(100).max(300_000).default(10_000),
  /** Default for every exec and every prompt wait; callers may pass their own per command. */
  commandTimeoutMs: z.number().int().min(100).max(3_600_000).default(30_000),
  /** Attempts for unreachable/timed-out connects; auth and host-key failures are never retried. */
  connectAttempts: z.number().int().min(1).max(20).default(3),
  backoffInitialMs: z.number().int().min(0).max(60_000).default(250),
  backoffMaxMs: z.number().int().min(0).max(300_000).default(5_000),
});
export type Ssh2ConnectorOptions = z.input<typeof ssh2ConnectorOptionsSchema>;
type Options = z.output<typeof ssh2ConnectorOptionsSchema>;

/** Bytes a switch CLI adds for terminals: carriage returns and ANSI escapes. */
const TERMINAL_NOISE = /\r|\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]/g;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The one SSH client of rackshift (switches, arrays, fabrics, hypervisors), on ssh2. The
 * host key must match the pinned fingerprint; the credential is resolved from the secret
 * store at connect time and never leaves this file. Every ssh2 failure becomes one of the
 * errors of ./ssh-errors.
 */
export class Ssh2Connector implements SshConnector {
  private readonly options: Readonly<Options>;

  constructor(
    private readonly secrets: SecretStore,
    options: Ssh2ConnectorOptions = {},
  ) {
    this.options = Object.freeze(
      parseOrThrow('SSH connector options', ssh2ConnectorOptionsSchema, options),
    );
  }

  async connect(target: SshTarget): Promise<SshSession> {
    const { connectAttempts, backoffInitialMs, backoffMaxMs } = this.options;
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.connectOnce(target);
      } catch (e) {
        const transient = e instanceof SshUnreachableError || e instanceof SshTimeoutError;
        if (!transient || attempt >= connectAttempts) throw e;
        const base = Math.min(backoffMaxMs, backoffInitialMs * 2 ** (attempt - 1));
        await sleep(base / 2 + Math.random() * (base / 2));
      }
    }
  }

  private connectOnce(target: SshTarget): Promise<SshSession> {
    const secret = this.secrets.resolve(target.credential);
    const timeoutMs = this.options.connectTimeoutMs;
    const client = new Client();
    let presented: string | undefined;
    let keyRefused = false;
    const config: ConnectConfig = {
      host: target.host,
      port: target.port,
      username: secret.username,
      readyTimeout: timeoutMs,
      hostVerifier: (key: Buffer) => {
        presented = hostKeyFingerprint(key);
        keyRefused = !sameFingerprint(presented, target.hostKeyFingerprint);
        return !keyRefused;
      },
      ...(secret.password !== undefined && { password: secret.password, tryKeyboard: true }),
      ...(secret.privateKey !== undefined && { privateKey: secret.privateKey }),
    };
    return new Promise<SshSession>((resolve, reject) => {
      let settled = false;
      const fail = (error: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        client.end();
        client.destroy();
        reject(error);
      };
      // readyTimeout does not cover a peer that accepts TCP and then says nothing at all.
      const timer = setTimeout(
        () => fail(new SshTimeoutError(target, 'connect', timeoutMs)),
        timeoutMs + 1_000,
      );
      client.on('keyboard-interactive', (_name, _instructions, _lang, prompts, finish) => {
        finish(prompts.map(() => secret.password ?? ''));
      });
      client.on('ready', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        // Device CLIs are request/response with tiny packets: Nagle plus delayed ACKs cost ~40 ms a
        // command.
        client.setNoDelay(true);
        resolve(
          new Ssh2Session(client, target, this.options.commandTimeoutMs, secret.enableSecret),
        );
      });
      client.on('error', (err: Error & { level?: string; code?: string }) => {
        if (keyRefused && presented !== undefined)
          fail(new HostKeyMismatchError(target, presented));
        else if (err.level === 'client-authentication')
          fail(new SshAuthError(target, target.credential));
        else if (err.level === 'client-timeout')
          fail(new SshTimeoutError(target, 'connect', timeoutMs));
        else fail(new SshUnreachableError(target, err.code ?? err.message));
      });
      client.on('close', () =>
        fail(new SshUnreachableError(target, 'connection closed during the handshake')),
      );
      try {
        client.connect(config);
      } catch (e) {
        fail(new SshUnreachableError(target, (e as Error).message));
      }
    });
  }
}

/** One authenticated connection. A dropped connection fails whatever is in flight. */
class Ssh2Session implements SshSession {
  private closed = false;
  private readonly inFlight = new Set<(error: Error) => void>();

  constructor(
    private readonly client: Client,
    private readonly target: SshTarget,
    private readonly defaultTimeoutMs: number,
    private readonly enableSecret: string | undefined,
  ) {
    const dropAll = (detail: string): void => {
      this.closed = true;
      for (const abort of [...this.inFlight]) abort(new SshUnreachableError(target, detail));
    };
    client.on('error', (err: Error & { code?: string }) =>
      dropAll(`connection failed: ${err.code ?? err.message}`),
    );
    client.on('close', () => dropAll('connection closed by the device'));
  }

  /** Runs `start` with a timeout and with the connection's fate: drop or timeout rejects it. */
  private guarded<T>(
    phase: 'exec' | 'shell',
    timeoutMs: number,
    onAbort: () => void,
    start: (resolve: (v: T) => void, reject: (e: Error) => void) => void,
  ): Promise<T> {
    if (this.closed)
      return Promise.reject(new SshUnreachableError(this.target, 'session already closed'));
    return new Promise<T>((resolve, reject) => {
      const finish = (): void => {
        clearTimeout(timer);
        this.inFlight.delete(abort);
      };
      const abort = (error: Error): void => {
        finish();
        onAbort();
        reject(error);
      };
      const timer = setTimeout(
        () => abort(new SshTimeoutError(this.target, phase, timeoutMs)),
        timeoutMs,
      );
      this.inFlight.add(abort);
      start(
        (v) => {
          finish();
          resolve(v);
        },
        (e) => {
          finish();
          reject(e);
        },
      );
    });
  }

  exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    let channel: ClientChannel | undefined;
    return this.guarded<ExecResult>(
      'exec',
      options.timeoutMs ?? this.defaultTimeoutMs,
      () => channel?.close(),
      (resolve, reject) => {
        this.client.exec(command, (err, stream) => {
          if (err) {
            reject(new SshUnreachableError(this.target, `exec channel refused: ${err.message}`));
            return;
          }
          channel = stream;
          const stdout: Buffer[] = [];
          const stderr: Buffer[] = [];
          stream.on('data', (d: Buffer) => stdout.push(d));
          stream.stderr.on('data', (d: Buffer) => stderr.push(d));
          stream.on('close', (code: number | null | undefined) => {
            resolve({
              stdout: Buffer.concat(stdout).toString('utf8'),
              stderr: Buffer.concat(stderr).toString('utf8'),
              code: code ?? null,
            });
          });
          if (options.stdin !== undefined) stream.end(options.stdin);
          else stream.end();
        });
      },
    );
  }

  shell(prompt: RegExp, options: { timeoutMs?: number } = {}): Promise<InteractiveShell> {
    let channel: ClientChannel | undefined;
    return this.guarded<InteractiveShell>(
      'shell',
      options.timeoutMs ?? this.defaultTimeoutMs,
      () => channel?.close(),
      (resolve, reject) => {
        this.client.shell({ term: 'vt100', cols: 512, rows: 200 }, (err, stream) => {
          if (err) {
            reject(new SshUnreachableError(this.target, `shell channel refused: ${err.message}`));
            return;
          }
          channel = stream;
          const shell = new Ssh2Shell(
            stream,
            this,
            prompt,
            this.defaultTimeoutMs,
            this.enableSecret,
          );
          shell
            .waitForPrompt(prompt, options.timeoutMs ?? this.defaultTimeoutMs)
            .then(() => resolve(shell), reject);
        });
      },
    );
  }

  /** Lets the shell share the session's timeout and drop handling. */
  guard<T>(
    timeoutMs: number,
    onAbort: () => void,
    start: (resolve: (v: T) => void, reject: (e: Error) => void) => void,
  ): Promise<T> {
    return this.guarded('shell', timeoutMs, onAbort, start);
  }

  get deviceTarget(): SshTarget {
    return this.target;
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    return new Promise<void>((resolve) => {
      const done = setTimeout(() => {
        this.client.destroy();
        resolve();
      }, 2_000);
      this.client.once('close', () => {
        clearTimeout(done);
        resolve();
      });
      this.client.end();
    });
  }
}

/** A PTY shell: writes one line, collects output until the prompt pattern matches its tail. */
class Ssh2Shell implements InteractiveShell {
  lastPrompt = '';
  private buffer = '';
  private onData: (() => void) | undefined;
  private ended = false;

  constructor(
    private readonly stream: ClientChannel,
    private readonly session: Ssh2Session,
    private readonly prompt: RegExp,
    private readonly defaultTimeoutMs: number,
    private readonly enableSecret: string | undefined,
  ) {
    stream.on('data', (d: Buffer) => {
      this.buffer += d.toString('utf8').replace(TERMINAL_NOISE, '');
      this.onData?.();
    });
    stream.stderr.on('data', (d: Buffer) => {
      this.buffer += d.toString('utf8').replace(TERMINAL_NOISE, '');
      this.onData?.();
    });
    stream.on('close', () => {
      this.ended = true;
      this.onData?.();
    });
  }

  /** Resolves with everything before the prompt and consumes it from the buffer. */
  waitForPrompt(prompt: RegExp, timeoutMs: number): Promise<string> {
    return this.session.guard<string>(
      timeoutMs,
      () => (this.onData = undefined),
      (resolve, reject) => {
        const check = (): void => {
          const match = prompt.exec(this.buffer);
          if (match !== null && match.index + match[0].length === this.buffer.length) {
            this.onData = undefined;
            const before = this.buffer.slice(0, match.index);
            this.lastPrompt = match[0].trim();
            this.buffer = '';
            resolve(before);
          } else if (this.ended) {
            this.onData = undefined;
            reject(
              new SshUnreachableError(this.session.deviceTarget, 'the device closed the shell'),
            );
          }
        };
        this.onData = check;
        check();
      },
    );
  }

  async send(line: string, options: { timeoutMs?: number; prompt?: RegExp } = {}): Promise<string> {
    if (this.onData !== undefined)
      throw new Error('InteractiveShell.send called while a command is still running');
    if (this.ended)
      throw new SshUnreachableError(this.session.deviceTarget, 'the device closed the shell');
    this.buffer = '';
    this.stream.write(`${line}\n`);
    const raw = await this.waitForPrompt(
      options.prompt ?? this.prompt,
      options.timeoutMs ?? this.defaultTimeoutMs,
    );
    const lines = raw.split('\n');
    // A PTY echoes what was typed; the echo is not the device's answer.
    if (lines[0] !== undefined && lines[0].trimEnd().endsWith(line)) lines.shift();
    return lines.join('\n').replace(/\s+$/, '');
  }

  async sendEnableSecret(options: { timeoutMs?: number; prompt?: RegExp } = {}): Promise<string> {
    const secret = this.enableSecret;
    if (secret === undefined) {
      throw new CredentialError(
        this.session.deviceTarget.credential,
        'has no enableSecret, and the switch asks for one after `enable`',
      );
    }
    if (this.onData !== undefined)
      throw new Error('InteractiveShell.sendEnableSecret called while a command is still running');
    if (this.ended)
      throw new SshUnreachableError(this.session.deviceTarget, 'the device closed the shell');
    this.buffer = '';
    this.stream.write(`${secret}\n`);
    const raw = await this.waitForPrompt(
      options.prompt ?? this.prompt,
      options.timeoutMs ?? this.defaultTimeoutMs,
    );
    // A device that echoed the secret must not put it into an error message or a log.
    return raw.split(secret).join('*****').replace(/\s+$/, '');
  }

  close(): Promise<void> {
    if (this.ended) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.stream.once('close', () => resolve());
      this.stream.end();
      setTimeout(resolve, 1_000).unref();
    });
  }
}
