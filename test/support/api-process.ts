import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './lab-fixtures';

export interface ApiProcess {
  readonly url: string;
  readonly child: ChildProcess;
  output(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * `rackshift api` in its own OS process, from source, as a data center runs its replicas.
 * `args` carry the connection flags; resolves once it listens.
 */
export async function spawnApi(options: { port: number; topologyFile: string; tokenFile: string; args: readonly string[] }): Promise<ApiProcess> {
  const argv = ['--import', 'tsx', join(ROOT, 'cli', 'bin.ts'), 'api', '--topology', options.topologyFile, '--token-file', options.tokenFile, '--listen', `127.0.0.1:${options.port}`, ...options.args];
  const child = spawn(process.execPath, argv, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`api did not listen within 90 s:\n${out}`)), 90_000);
    child.stdout?.on('data', () => {
      if (out.includes('listening on')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`api exited with ${code} before listening:\n${out}`));
    });
  });
  child.removeAllListeners('exit');
  return {
    url: `http://127.0.0.1:${options.port}`,
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
