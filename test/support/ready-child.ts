import type { ChildProcess } from 'node:child_process';

/** A CLI process a test started: its output so far, and a kill that resolves once it has exited. */
export interface ReadyChild {
  readonly child: ChildProcess;
  output(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Collects `child`'s stdout and stderr and resolves once its stdout has printed `marker`;
 * rejects with `<what> <late>` after `timeoutMs`, or `<what> exited with <code> <early>` if it
 * ends first, each with the output so far for the test's failure message.
 */
export async function waitUntilReady(
  child: ChildProcess,
  o: {
    readonly what: string;
    readonly marker: string;
    readonly timeoutMs: number;
    readonly late: string;
    readonly early: string;
  },
): Promise<ReadyChild> {
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${o.what} ${o.late}:\n${out}`)), o.timeoutMs);
    child.stdout?.on('data', () => {
      if (out.includes(o.marker)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${o.what} exited with ${code} ${o.early}:\n${out}`));
    });
  });
  child.removeAllListeners('exit');
  return {
    child,
    output: () => out,
    kill: (signal = 'SIGTERM') =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) {
          resolve();
          return;
        }
        child.once('exit', () => resolve());
        child.kill(signal);
      }),
  };
}
