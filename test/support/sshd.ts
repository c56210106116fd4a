import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { publicKeyLineFingerprint } from '../../drivers/ssh/host-key-fingerprint';
import { freePort } from './free-port';
import { requireTool } from './require-tool';

const run = promisify(execFile);

export interface RealSshd {
  readonly port: number;
  readonly hostKeyFingerprint: string;
  /** OpenSSH PEM of the key authorized for `username`. */
  readonly privateKey: string;
  readonly username: string;
  /** Temp folder holding keys, config and logs; removed by stop(). */
  readonly dir: string;
  /** What sshd printed (with -e), for failing assertions. */
  log(): string;
  stop(): Promise<void>;
}

export interface SshdOptions {
  /** Extra sshd_config lines (e.g. `SetEnv OVS_RUNDIR=/tmp/…`). */
  readonly extraConfig?: readonly string[];
}

async function keypair(file: string): Promise<void> {
  await run(requireTool('ssh-keygen'), [
    '-q',
    '-t',
    'ed25519',
    '-N',
    '',
    '-C',
    'rackshift-test',
    '-f',
    file,
  ]);
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('data', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.setTimeout(1_000, () => {
      socket.destroy();
      resolve(false);
    });
  });
}

async function waitUntilListening(
  child: ChildProcess,
  port: number,
  log: () => string,
): Promise<void> {
  for (let i = 0; i < 100; i += 1) {
    if (child.exitCode !== null) throw new Error(`sshd exited with ${child.exitCode}: ${log()}`);
    if (await accepts(port)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`sshd did not listen on 127.0.0.1:${port} within 5 s: ${log()}`);
}

/**
 * A real OpenSSH sshd on a free loopback port, key authentication only, with a temp host key
 * and a temp authorized key for the current user. Fails loudly when sshd is not installed.
 */
export async function startSshd(options: SshdOptions = {}): Promise<RealSshd> {
  const sshd = requireTool('/usr/sbin/sshd');
  // Privilege separation needs its empty directory even when sshd runs in the foreground.
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const dir = await mkdtemp(join(tmpdir(), 'rackshift-sshd-'));
  await keypair(join(dir, 'host_ed25519'));
  await keypair(join(dir, 'client_ed25519'));
  await writeFile(join(dir, 'authorized_keys'), await readFile(join(dir, 'client_ed25519.pub')), {
    mode: 0o600,
  });
  const hostKeyFingerprint = publicKeyLineFingerprint(
    await readFile(join(dir, 'host_ed25519.pub'), 'utf8'),
  );
  const privateKey = await readFile(join(dir, 'client_ed25519'), 'utf8');
  const username = userInfo().username;

  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const port = await freePort();
    const config = [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${join(dir, 'host_ed25519')}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'PermitRootLogin prohibit-password',
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'StrictModes no',
      'UsePAM no',
      'LogLevel VERBOSE',
      ...(options.extraConfig ?? []),
    ].join('\n');
    await writeFile(join(dir, 'sshd_config'), `${config}\n`);
    const child = spawn(sshd, ['-D', '-e', '-f', join(dir, 'sshd_config')], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let output = '';
    child.stderr?.on('data', (d: Buffer) => (output += d.toString('utf8')));
    const log = (): string => output;
    try {
      await waitUntilListening(child, port, log);
    } catch (e) {
      child.kill('SIGKILL');
      lastError = e;
      if (/Address already in use/.test(output)) continue;
      await rm(dir, { recursive: true, force: true });
      throw e;
    }
    return {
      port,
      hostKeyFingerprint,
      privateKey,
      username,
      dir,
      log,
      stop: async () => {
        if (child.exitCode === null && child.signalCode === null) {
          const exited = new Promise((r) => child.once('exit', r));
          child.kill('SIGTERM');
          await exited;
        }
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
  await rm(dir, { recursive: true, force: true });
  throw lastError;
}
