import { diskSha256 } from '../../lab/disk/disk-content';
import { labDisks } from '../../lab/disk/start-lab-disks';
import type { FullStack } from '../support/full-stack';
import { labHardwareState } from '../support/lab-snapshot';
import {
  bringUpHost,
  failedReport,
  healthOf,
  HOST,
  onMachine,
  runbook,
  startP2vStack,
} from '../support/p2v-stack';
import { spawnWorker, type WorkerProcess } from '../support/worker-process';

jest.setTimeout(300_000);

/**
 * Copy-mode P2V on a standalone `rackshift worker`, as a production host runs it (not the worker
 * `rackshift dev` builds in process): the disk source and the volume sink come from
 * `--disk-transfer`, and without it the run is refused and undone.
 */
const DISK = 16 * 1024 * 1024;
let stack: FullStack;
let worker: WorkerProcess | undefined;

async function startWorker(args: readonly string[]): Promise<WorkerProcess> {
  await worker?.kill('SIGTERM');
  worker = await spawnWorker({
    temporal: stack.temporal.address,
    topologyFile: stack.topologyFile,
    secretsFile: stack.lab.secretsFile,
    args,
  });
  return worker;
}

beforeAll(async () => {
  stack = await startP2vStack({ diskBytes: DISK, noWorker: true });
});

afterAll(async () => {
  await worker?.kill('SIGKILL');
  await stack?.stop();
});

const copyP2v = () =>
  runbook(stack, 'p2v', 'p2v', {
    persona: 'web-02',
    mode: 'copy',
    copyChunkMiB: 4,
    graceSeconds: 5,
    healthTimeoutSeconds: 60,
    powerTimeoutSeconds: 30,
  });

describe('copy-mode P2V on a rackshift worker process', () => {
  it('without --disk-transfer: says so at start; a copy is refused naming the flag, and the hardware is as before', async () => {
    const w = await startWorker([]);
    expect(w.output()).toContain('(no disk transfer: copy-mode P2V refused)');
    await bringUpHost(stack);
    await onMachine(stack, 'web-02');
    const before = labHardwareState(stack.lab);
    const report = failedReport(await copyP2v().catch((e: unknown) => e));
    // The refusal came before any helper booted, so stopping one is no undo (it would be refused
    // the same way and reported as left to fix by hand).
    expect(report.leftToFix).toEqual([]);
    expect(report.compensations.map((c) => c.step)).not.toContain('disk-helper');
    expect(report).toMatchObject({
      outcome: 'compensated',
      error: {
        type: 'UnsupportedActionError',
        message: expect.stringContaining('start it with --disk-transfer <url>'),
      },
    });
    expect(labHardwareState(stack.lab)).toEqual(before);
  });

  it('with --disk-transfer <lab control URL>: the disk streams to a volume and the VM boots the identical copy', async () => {
    const w = await startWorker(['--disk-transfer', stack.lab.controlUrl]);
    expect(w.output()).not.toContain('no disk transfer');
    const from = (await stack.ledger.snapshot('dc1')).placements['web-02'];
    if (from?.kind !== 'machine')
      throw new Error(`web-02 is not on a machine: ${JSON.stringify(from)}`);
    const report = await copyP2v();
    expect(report).toMatchObject({ outcome: 'completed', endedOn: `vm@${HOST}` });
    expect(labDisks(stack.lab).volumes.digest('array-1', 'web-02-p2v').sha256).toBe(
      diskSha256('web-02', DISK),
    );
    expect(await healthOf(stack, 'web-02')).toContain('web-02');
    expect(stack.lab.machine(from.machine).powerState).toBe('off');
    expect((await stack.ledger.snapshot('dc1')).placements['web-02']).toEqual({
      kind: 'vm',
      host: HOST,
    });
  });
});
