import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './lab-fixtures';

/**
 * `rackshift dev` as an operator runs it: its own process tree (and process group), from source.
 */
export interface DevProcess {
  readonly child: ChildProcess;
  output(): string;
  /**
   * Resolves once the output contains `text` (rejects if the process exits first or `timeoutMs`
   * passes).
   */
  waitFor(text: string | RegExp, timeoutMs?: number): Promise<void>;
  /** Ctrl-C: SIGTERM and the exit code. */
  stop(): Promise<number | null>;
  /**
   * The whole stack dies at once (SIGKILL to its process group: node, Temporal dev server,
   * ipmi_sim…), as when its host does.
   */
  crash(): Promise<void>;
}

export function cliArgs(args: readonly string[]): [string, string[]] {
  return [process.execPath, ['--import', 'tsx', join(ROOT, 'cli', 'bin.ts'), ...args]];
}

export async function startDev(
  args: readonly string[],
  readyTimeoutMs = 180_000,
): Promise<DevProcess> {
  const [node, argv] = cliArgs(['dev', ...args]);
  // detached: a process group of its own, so that a crash can take the whole tree as a host failure
  // would.
  const child = spawn(node, argv, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  const listeners = new Set<() => void>();
  const onData = (d: Buffer): void => {
    out += d.toString();
    for (const l of listeners) l();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const waitFor = (text: string | RegExp, timeoutMs = 180_000): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const seen = (): boolean => (typeof text === 'string' ? out.includes(text) : text.test(out));
      if (seen()) {
        resolve();
        return;
      }
      const done = (error?: Error): void => {
        clearTimeout(timer);
        listeners.delete(check);
        child.off('exit', onExit);
        if (error) reject(error);
        else resolve();
      };
      const check = (): void => {
        if (seen()) done();
      };
      const onExit = (code: number | null): void =>
        done(
          new Error(`rackshift dev exited with ${code} before printing ${String(text)}:\n${out}`),
        );
      const timer = setTimeout(
        () =>
          done(
            new Error(
              `rackshift dev did not print ${String(text)} within ${timeoutMs} ms:\n${out}`,
            ),
          ),
        timeoutMs,
      );
      listeners.add(check);
      child.once('exit', onExit);
    });
  await waitFor('stop: Ctrl-C', readyTimeoutMs);
  const exited = (): boolean => child.exitCode !== null || child.signalCode !== null;
  return {
    child,
    output: () => out,
    waitFor,
    stop: () =>
      new Promise((resolve) => {
        if (exited()) {
          resolve(child.exitCode);
          return;
        }
        child.once('exit', (code) => resolve(code));
        child.kill('SIGTERM');
      }),
    crash: () =>
      new Promise((resolve) => {
        if (exited()) {
          resolve();
          return;
        }
        child.once('exit', () => resolve());
        process.kill(-child.pid!, 'SIGKILL');
      }),
  };
}
