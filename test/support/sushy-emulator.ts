import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './free-port';
import { ROOT } from './lab-fixtures';
import { requireTool } from './require-tool';

export interface SushyEmulator {
  readonly port: number;
  /** The fake system's id (sushy-tools names systems by UUID). */
  readonly systemId: string;
  readonly username: string;
  readonly password: string;
  log(): string;
  stop(): Promise<void>;
}

const VENV = join(ROOT, '.tools', 'venv', 'bin');
const SYSTEM_ID = '5d1f4c6e-2b7a-4e51-9a3c-7f0e8d9b1a20';

/** Runs `python -c code` with `input` on stdin (how the password reaches bcrypt without argv). */
function python(code: string, input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(VENV, 'python'), ['-c', code], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve(out.trim()) : reject(new Error(`python exited ${code}: ${err}`)),
    );
    child.stdin.end(input);
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * sushy-tools' `sushy-emulator --fake` on a free loopback port over HTTPS with the lab
 * certificate, HTTP Basic auth from a bcrypt htpasswd file, one fake system that starts
 * Off, and its state in a private folder (the default, /tmp/sushy-emulator, is shared by
 * every emulator on the machine).
 */
export async function startSushy(): Promise<SushyEmulator> {
  const emulator = requireTool(join(VENV, 'sushy-emulator'));
  const dir = await mkdtemp(join(tmpdir(), 'rackshift-sushy-'));
  const port = await freePort();
  const username = 'rackshift';
  const password = `pw-${process.pid}-${Date.now()}`;
  const hash = await python(
    'import bcrypt, sys; print(bcrypt.hashpw(sys.stdin.buffer.read(), bcrypt.gensalt(rounds=4)).decode())',
    password,
  );
  await writeFile(join(dir, 'htpasswd'), `${username}:${hash}\n`, { mode: 0o600 });
  const config = [
    `SUSHY_EMULATOR_AUTH_FILE = ${JSON.stringify(join(dir, 'htpasswd'))}`,
    `SUSHY_EMULATOR_STATE_DIR = ${JSON.stringify(join(dir, 'state'))}`,
    `SUSHY_EMULATOR_FAKE_SYSTEMS = [{'uuid': '${SYSTEM_ID}', 'name': 'rackshift-fake', 'power_state': 'Off', 'nics': [{'mac': '52:54:00:00:99:01', 'ip': '127.0.0.1'}]}]`,
  ].join('\n');
  await writeFile(join(dir, 'emulator.conf'), `${config}\n`);
  const args = [
    '--config',
    join(dir, 'emulator.conf'),
    '--fake',
    '-i',
    '127.0.0.1',
    '-p',
    String(port),
  ];
  args.push(
    '--ssl-certificate',
    join(ROOT, 'lab', 'keys', 'redfish-lab.crt'),
    '--ssl-key',
    join(ROOT, 'lab', 'keys', 'redfish-lab.key'),
  );
  const child = spawn(emulator, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const stop = async () => {
    await stopChild(child);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; !(await accepts(port)); i += 1) {
      if (child.exitCode !== null)
        throw new Error(`sushy-emulator exited with ${child.exitCode}: ${output}`);
      if (i >= 200)
        throw new Error(
          `sushy-emulator did not listen on 127.0.0.1:${port} within 10 s: ${output}`,
        );
      await sleep(50);
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { port, systemId: SYSTEM_ID, username, password, log: () => output, stop };
}
