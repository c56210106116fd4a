import { execFile, spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { freePort } from './free-port';
import { requireTool } from './require-tool';

const run = promisify(execFile);

export interface RealTgtd {
  /** `tgtadm -C <controlPort>` reaches this tgtd and no other (tgtd accepts 0…32767). */
  readonly controlPort: number;
  /** iSCSI portal on 127.0.0.1. */
  readonly portalPort: number;
  log(): string;
  stop(): Promise<void>;
}

function socketFiles(controlPort: number): string[] {
  return [`/run/tgtd/socket.${controlPort}`, `/run/tgtd/socket.${controlPort}.lock`];
}

/**
 * Debian's user-space tgtd in the foreground with its own control socket and an iSCSI portal
 * on a free loopback port, so suites can run beside each other and beside a system tgtd.
 * Fails loudly when tgt is not installed.
 */
export async function startTgtd(): Promise<RealTgtd> {
  const tgtd = requireTool('tgtd');
  const tgtadm = requireTool('tgtadm');
  let controlPort = 0;
  do controlPort = 1_000 + Math.floor(Math.random() * 31_000);
  while (socketFiles(controlPort).some(existsSync));
  const portalPort = await freePort();
  const child = spawn(tgtd, ['-f', '-C', String(controlPort), '--iscsi', `portal=127.0.0.1:${portalPort}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString('utf8')));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString('utf8')));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      // tgtd ignores SIGTERM while it holds targets.
      child.kill('SIGKILL');
      await exited;
    }
    for (const f of socketFiles(controlPort)) rmSync(f, { force: true });
  };
  for (let i = 0; i < 100; i += 1) {
    if (child.exitCode !== null) break;
    try {
      await run(tgtadm, ['-C', String(controlPort), '--lld', 'iscsi', '--mode', 'target', '--op', 'show']);
      return { controlPort, portalPort, log: () => output, stop };
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  await stop();
  throw new Error(`tgtd did not start (control port ${controlPort}, portal 127.0.0.1:${portalPort}): ${output}`);
}
