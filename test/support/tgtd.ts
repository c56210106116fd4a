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
  /**
   * Kills tgtd (all its targets and ACLs are gone with it) and starts it again on the same
   * ports, then does what Debian's tgt.service does after ExecStart: `tgt-admin -e -c <conf>`.
   */
  restart(conf: string): Promise<void>;
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
  let controlPort = 0;
  do controlPort = 1_000 + Math.floor(Math.random() * 31_000);
  while (socketFiles(controlPort).some(existsSync));
  const portalPort = await freePort();
  let output = '';
  let current = await spawnTgtd(controlPort, portalPort, (d) => (output += d));
  return {
    controlPort,
    portalPort,
    log: () => output,
    restart: async (conf) => {
      await current.stop();
      current = await spawnTgtd(controlPort, portalPort, (d) => (output += d));
      await run(requireTool('tgt-admin'), ['-C', String(controlPort), '-e', '-c', conf]);
    },
    stop: () => current.stop(),
  };
}

async function spawnTgtd(
  controlPort: number,
  portalPort: number,
  log: (d: string) => void,
): Promise<{ stop(): Promise<void> }> {
  const tgtd = requireTool('tgtd');
  const tgtadm = requireTool('tgtadm');
  const child = spawn(
    tgtd,
    ['-f', '-C', String(controlPort), '--iscsi', `portal=127.0.0.1:${portalPort}`],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.on('data', (d: Buffer) => log(d.toString('utf8')));
  child.stderr?.on('data', (d: Buffer) => log(d.toString('utf8')));
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
      await run(tgtadm, [
        '-C',
        String(controlPort),
        '--lld',
        'iscsi',
        '--mode',
        'target',
        '--op',
        'show',
      ]);
      return { stop };
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  await stop();
  throw new Error(
    `tgtd did not start (control port ${controlPort}, portal 127.0.0.1:${portalPort})`,
  );
}
