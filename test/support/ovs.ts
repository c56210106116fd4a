import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { requireTool } from './require-tool';

const run = promisify(execFile);
const SCHEMA = '/usr/share/openvswitch/vswitch.ovsschema';

export interface RealOvs {
  /** OVS_RUNDIR of this instance: db.sock, <bridge>.mgmt, pid and control files. */
  readonly rundir: string;
  readonly bridge: string;
  /** Two `type=internal` ports on the bridge, named uniquely so suites can run side by side. */
  readonly ports: readonly [string, string];
  /** Runs ovs-vsctl locally against this instance (for assertions independent of the driver). */
  vsctl(...args: string[]): Promise<string>;
  /**
   * Runs ovs-appctl against this instance's ovs-vswitchd (ofproto/trace: what the datapath would
   * do).
   */
  appctl(...args: string[]): Promise<string>;
  /**
   * Stops ovs-vswitchd as a crash or an upgrade would (OVSDB keeps running) and starts it again.
   */
  restartSwitchd(): Promise<void>;
  stop(): Promise<void>;
}

async function waitFor(what: string, check: () => boolean, log: () => string): Promise<void> {
  for (let i = 0; i < 100; i += 1) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} did not come up within 5 s: ${log()}`);
}

function daemon(
  bin: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): { child: ChildProcess; log: () => string } {
  const child = spawn(bin, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let out = '';
  child.stderr?.on('data', (d: Buffer) => (out += d.toString('utf8')));
  return { child, log: () => out };
}

/** SIGTERM after `graceMs` unless the process has exited by then. */
async function kill(child: ChildProcess, graceMs = 0): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  const timer = setTimeout(() => child.kill('SIGTERM'), graceMs);
  await exited;
  clearTimeout(timer);
}

/**
 * A private Open vSwitch: ovsdb-server and ovs-vswitchd as children of the test, with their
 * own database, sockets and pid files in a temp folder, and a userspace (netdev) bridge
 * with internal ports, so no kernel module is needed. Fails loudly when OVS is missing.
 */
export async function startOvs(): Promise<RealOvs> {
  const tools = Object.fromEntries(
    ['ovsdb-tool', 'ovsdb-server', 'ovs-vswitchd', 'ovs-vsctl', 'ovs-ofctl', 'ovs-appctl'].map(
      (t) => [t, requireTool(t)],
    ),
  );
  if (!existsSync(SCHEMA))
    throw new Error(
      `${SCHEMA} is missing (Debian openvswitch-common); run \`bash scripts/setup.sh\``,
    );
  const rundir = await mkdtemp(join(tmpdir(), 'rackshift-ovs-'));
  const env = {
    ...process.env,
    OVS_RUNDIR: rundir,
    OVS_LOGDIR: rundir,
    OVS_DBDIR: rundir,
    OVS_SYSCONFDIR: rundir,
  };
  const id = randomBytes(3).toString('hex');
  const bridge = `rs${id}`;
  const ports: [string, string] = [`${bridge}a`, `${bridge}b`];
  const vsctl = async (...args: string[]): Promise<string> =>
    (await run(tools['ovs-vsctl'] as string, ['--timeout=10', ...args], { env })).stdout.trim();

  await run(tools['ovsdb-tool'] as string, ['create', join(rundir, 'conf.db'), SCHEMA]);
  const db = daemon(
    tools['ovsdb-server'] as string,
    [
      join(rundir, 'conf.db'),
      `--remote=punix:${join(rundir, 'db.sock')}`,
      `--pidfile=${join(rundir, 'ovsdb-server.pid')}`,
      `--unixctl=${join(rundir, 'ovsdb-server.ctl')}`,
    ],
    env,
  );
  let switchd: ReturnType<typeof daemon> | undefined;
  const ctl = join(rundir, 'ovs-vswitchd.ctl');
  const appctl = async (...args: string[]): Promise<string> =>
    (await run(tools['ovs-appctl'] as string, ['-t', ctl, ...args], { env })).stdout.trim();
  const startSwitchd = async (): Promise<void> => {
    const started = daemon(
      tools['ovs-vswitchd'] as string,
      [
        `unix:${join(rundir, 'db.sock')}`,
        `--pidfile=${join(rundir, 'ovs-vswitchd.pid')}`,
        `--unixctl=${ctl}`,
        `--log-file=${join(rundir, 'ovs-vswitchd.log')}`,
      ],
      env,
    );
    switchd = started;
    const log = (): string =>
      `${started.log()}${existsSync(join(rundir, 'ovs-vswitchd.log')) ? readFileSync(join(rundir, 'ovs-vswitchd.log'), 'utf8') : ''}`;
    await waitFor('ovs-vswitchd', () => existsSync(ctl) || started.child.exitCode !== null, log);
    if (started.child.exitCode !== null)
      throw new Error(`ovs-vswitchd exited with ${started.child.exitCode}: ${log()}`);
  };
  const restartSwitchd = async (): Promise<void> => {
    // A plain SIGTERM, not `exit --cleanup`: the bridge stays in OVSDB and comes back as after a
    // crash or upgrade.
    if (switchd !== undefined) await kill(switchd.child);
    await rm(ctl, { force: true });
    await startSwitchd();
    // vswitchd has read OVSDB and configured the bridge once it answers a read of it.
    await vsctl('wait-until', 'interface', ports[0], 'ofport>0');
  };
  const stop = async (): Promise<void> => {
    if (switchd !== undefined && switchd.child.exitCode === null) {
      // Removes the bridge's tap devices and the datapath, which outlive a plain kill.
      const asked = await run(tools['ovs-appctl'] as string, ['-t', ctl, 'exit', '--cleanup'], {
        env,
      }).then(
        () => true,
        () => false,
      );
      await kill(switchd.child, asked ? 10_000 : 0);
    }
    await kill(db.child);
    await rm(rundir, { recursive: true, force: true });
  };
  try {
    await waitFor(
      'ovsdb-server',
      () => existsSync(join(rundir, 'db.sock')) || db.child.exitCode !== null,
      db.log,
    );
    if (db.child.exitCode !== null)
      throw new Error(`ovsdb-server exited with ${db.child.exitCode}: ${db.log()}`);
    await vsctl('--no-wait', 'init');
    await startSwitchd();
    await vsctl(
      'add-br',
      bridge,
      '--',
      'set',
      'bridge',
      bridge,
      'datapath_type=netdev',
      '--',
      'add-port',
      bridge,
      ports[0],
      '--',
      'set',
      'interface',
      ports[0],
      'type=internal',
      '--',
      'add-port',
      bridge,
      ports[1],
      '--',
      'set',
      'interface',
      ports[1],
      'type=internal',
    );
    return { rundir, bridge, ports, vsctl, appctl, restartSwitchd, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
