import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { CommandStartError, CommandTimeoutError } from './command-errors';

export interface CommandOptions {
  /**
   * Added to the child's minimal environment (see SpawnCommandRunner); the way secrets reach a
   * child.
   */
  readonly env?: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  /** Written to the child's stdin, which is then closed. Without it stdin is /dev/null. */
  readonly stdin?: string;
}

export interface CommandResult {
  readonly stdout: string;
  readonly stderr: string;
  /** Exit code; 128 + signal number when the child died of a signal (as shells report it). */
  readonly code: number;
}

/**
 * Runs a program without a shell. Throws CommandStartError when it cannot be started and
 * CommandTimeoutError when it overruns; any exit code is a result, for the caller to judge.
 */
export interface CommandRunner {
  run(file: string, args: readonly string[], options: CommandOptions): Promise<CommandResult>;
}

/**
 * The real runner. The child gets only PATH and HOME from this process plus `options.env`:
 * nothing else (RACKSHIFT_CRED_* above all) leaks into tools, and LC_ALL=C keeps their
 * messages in the English the callers parse.
 */
export class SpawnCommandRunner implements CommandRunner {
  constructor(private readonly baseEnv: NodeJS.ProcessEnv = process.env) {}

  run(file: string, args: readonly string[], options: CommandOptions): Promise<CommandResult> {
    const env: Record<string, string> = { LC_ALL: 'C' };
    for (const key of ['PATH', 'HOME'] as const) {
      const value = this.baseEnv[key];
      if (value !== undefined) env[key] = value;
    }
    Object.assign(env, options.env);
    return new Promise((resolve, reject) => {
      const child = spawn(file, [...args], {
        env,
        shell: false,
        stdio: [options.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      });
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      let timedOut = false;
      let startError: NodeJS.ErrnoException | undefined;
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, options.timeoutMs);
      child.stdout?.on('data', (c: Buffer) => stdout.push(c));
      child.stderr?.on('data', (c: Buffer) => stderr.push(c));
      child.on('error', (e: NodeJS.ErrnoException) => {
        startError = e;
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        if (startError !== undefined && child.pid === undefined) {
          reject(new CommandStartError(file, startError.code ?? startError.message));
          return;
        }
        if (timedOut) {
          reject(new CommandTimeoutError(file, options.timeoutMs));
          return;
        }
        resolve({
          stdout: Buffer.concat(stdout).toString('utf8'),
          stderr: Buffer.concat(stderr).toString('utf8'),
          code: code ?? 128 + (signal === null ? 0 : constants.signals[signal]),
        });
      });
      if (options.stdin !== undefined && child.stdin !== null) {
        // A child that exits without reading its stdin makes the write fail with EPIPE; its exit
        // code tells the story.
        child.stdin.on('error', () => undefined);
        child.stdin.end(options.stdin);
      }
    });
  }
}
