import childProcess from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import { TestEnvironment } from 'jest-environment-node';

/**
 * The unit project's test environment: while a unit suite runs, starting a process, listening on
 * a socket or connecting to one throws. Suites that need a peer (a child process, a server, a
 * Temporal dev server, ipmi_sim, tgtd, sshd) belong in the drivers, lab, api, workflows, e2e,
 * deploy or cluster projects, which start their peers; the unit project then stays fast and
 * runs anywhere.
 *
 * The patch is on Node's own modules, which every suite a jest worker runs shares, so it is put
 * on in setup and taken off in teardown rather than in a setup file.
 */
export const UNIT_PURITY_MESSAGE =
  'is not allowed in the unit project: unit suites run in process; ' +
  'move a suite that needs a process or a socket to test/drivers, test/lab, test/api, ' +
  'test/workflows, test/e2e, test/deploy (config checks that run a tool) or test/cluster ' +
  '(jest.config.js)';

type Patch = { target: object; key: string; original: unknown };

const CHILD_PROCESS = [
  'spawn',
  'spawnSync',
  'exec',
  'execSync',
  'execFile',
  'execFileSync',
  'fork',
] as const;

function patches(): Patch[] {
  const at = (target: object, key: string): Patch => ({
    target,
    key,
    original: (target as Record<string, unknown>)[key],
  });
  return [
    ...CHILD_PROCESS.map((k) => at(childProcess, k)),
    at(net.Server.prototype, 'listen'),
    at(net.Socket.prototype, 'connect'),
    at(dgram.Socket.prototype, 'bind'),
    at(dgram.Socket.prototype, 'send'),
  ];
}

function refusal(name: string): () => never {
  return () => {
    throw new Error(`${name} ${UNIT_PURITY_MESSAGE}`);
  };
}

const NAMES = new Map<string, string>([
  ['listen', 'net.Server#listen (a server socket)'],
  ['connect', 'net.Socket#connect (a network connection)'],
  ['bind', 'dgram.Socket#bind (a UDP socket)'],
  ['send', 'dgram.Socket#send (a UDP datagram)'],
]);

export default class UnitEnvironment extends TestEnvironment {
  private applied: Patch[] = [];

  override async setup(): Promise<void> {
    await super.setup();
    this.applied = patches();
    for (const p of this.applied) {
      const name = NAMES.get(p.key) ?? `child_process.${p.key}`;
      (p.target as Record<string, unknown>)[p.key] = refusal(name);
    }
  }

  override async teardown(): Promise<void> {
    for (const p of this.applied) (p.target as Record<string, unknown>)[p.key] = p.original;
    this.applied = [];
    await super.teardown();
  }
}
