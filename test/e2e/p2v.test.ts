import { createServer, type Server, type Socket } from 'node:net';
import { diskSha256 } from '../../lab/disk/disk-content';
import { labDisks } from '../../lab/disk/start-lab-disks';
import type { RunbookReport } from '../../workflows/runbook-report';
import type { FullStack } from '../support/full-stack';
import { labHardwareState } from '../support/lab-snapshot';
import { ledgerFacts } from '../support/ledger-state';
import {
  bringUpHost,
  failedReport,
  healthOf,
  HOST,
  onMachine,
  runbook,
  startP2vStack,
} from '../support/p2v-stack';
import { stackReads } from '../support/stack-reads';
import { labVms } from '../support/vm-on-host';

jest.setTimeout(300_000);

const DISK = 64 * 1024 * 1024;
const MIB = 1024 * 1024;
let stack: FullStack;
let web01At: string;
let web02At: string;

beforeAll(async () => {
  stack = await startP2vStack({ diskBytes: DISK });
  await bringUpHost(stack);
  web01At = await onMachine(stack, 'web-01');
  web02At = await onMachine(stack, 'web-02');
});

afterAll(async () => {
  await stack?.stop();
});

const p2v = (input: Record<string, unknown>): Promise<RunbookReport> =>
  runbook(stack, 'p2v', 'p2v', {
    graceSeconds: 5,
    healthTimeoutSeconds: 60,
    powerTimeoutSeconds: 30,
    ...input,
  });
const { machine, port, trunk, holders } = stackReads(() => stack);

/**
 * Makes a persona's service address unusable from the moment its machine powers off (a
 * listener that accepts and never answers): its VM cannot serve there and never turns healthy.
 */
function blockHealthWhenOff(machineId: string, persona: string): { release(): Promise<void> } {
  const check = stack.topology.personas.find((p) => p.name === persona)!.health!;
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
  });
  const listen = (): void => {
    server.once('error', () => setImmediate(listen));
    server.listen(check.port, '127.0.0.1');
  };
  const onPower = (state: string): void => {
    if (state !== 'off') return;
    stack.lab.machine(machineId).off('power', onPower);
    listen();
  };
  stack.lab.machine(machineId).on('power', onPower);
  return {
    release: () =>
      new Promise<void>((resolve) => {
        stack.lab.machine(machineId).off('power', onPower);
        for (const s of sockets) s.destroy();
        if (!server.listening) return resolve();
        server.close(() => resolve());
      }),
  };
}

describe('p2v (full lab: the host answers virsh, VMs boot only with their VLANs trunked and LUNs masked to the host)', () => {
  it('san, failing in the middle: web-02 never turns healthy as a VM (its VLAN had been added to the host trunks), and the lab and the ledger end exactly as before', async () => {
    const before = labHardwareState(stack.lab);
    const ledgerBefore = ledgerFacts(await stack.ledger.snapshot('dc1'));
    const block = blockHealthWhenOff(web02At, 'web-02');
    const e = await p2v({ persona: 'web-02', mode: 'san', healthTimeoutSeconds: 5 }).catch(
      (err: unknown) => err,
    );
    await block.release();
    const report = failedReport(e);
    expect(report).toMatchObject({ outcome: 'compensated', leftToFix: [] });
    expect(report.steps.find((s) => s.name === 'health')).toMatchObject({ outcome: 'failed' });
    expect(report.compensations.map((c) => c.step)).toEqual([
      'start-vm',
      'shut-ports',
      'boot-assignment',
      'mask-host',
      'unmask-source',
      'stop-source',
      'define-vm',
      'host-trunk',
      'lease',
    ]);
    expect(labHardwareState(stack.lab)).toEqual(before);
    expect(ledgerFacts(await stack.ledger.snapshot('dc1'))).toEqual(ledgerBefore);
    expect(labVms(stack, HOST)['web-02']).toBeUndefined();
  });

  it('copy, failing in the middle: a byte of the copy rots on the array, the whole-disk SHA-256 differs, and everything is undone (the volume too)', async () => {
    const before = labHardwareState(stack.lab);
    const ledgerBefore = ledgerFacts(await stack.ledger.snapshot('dc1'));
    labDisks(stack.lab).volumes.corruptNextWrite('array-1', 'web-02-p2v');
    const e = await p2v({ persona: 'web-02', mode: 'copy', copyChunkMiB: 4 }).catch(
      (err: unknown) => err,
    );
    const report = failedReport(e);
    expect(report).toMatchObject({
      outcome: 'compensated',
      leftToFix: [],
      error: { type: 'DiskCopyMismatchError' },
    });
    expect(report.compensations.map((c) => c.step)).toEqual([
      'copy-volume',
      'disk-helper',
      'stop-source',
      'define-vm',
      'host-trunk',
      'lease',
    ]);
    expect(labHardwareState(stack.lab)).toEqual(before);
    expect(holders('web-02-p2v')).toEqual([]);
    expect(ledgerFacts(await stack.ledger.snapshot('dc1'))).toEqual(ledgerBefore);
  });

  it('san: web-01 leaves its machine for a VM on the host; VLAN 110 joins the host trunks (a union); the old machine is off and parked: ports shut and off VLAN 110', async () => {
    const report = await p2v({ persona: 'web-01', mode: 'san' });
    expect(report).toMatchObject({ outcome: 'completed', endedOn: `vm@${HOST}` });
    expect(report.steps.map((s) => s.name)).toEqual([
      'locate',
      'choose-host',
      'lease',
      'plan-vm',
      'lease-host',
      'choose-host',
      'host-trunk',
      'define-vm',
      'stop-source',
      'unmask-source',
      'mask-host',
      'boot-assignment',
      'shut-ports',
      'start-vm',
      'health',
      'placement',
      'record-machine',
    ]);
    expect(await healthOf(stack, 'web-01')).toContain('web-01');
    expect(labVms(stack, HOST)['web-01']).toEqual({ state: 'running', persistent: true });

    expect(holders('web-01-boot')).toEqual([machine(HOST).storage.iqn]);
    expect(port(HOST, 0)).toMatchObject({ mode: 'trunk', shutdown: false });
    expect(trunk(HOST, 0)).toEqual([110, 300, 400]);
    expect(trunk(HOST, 1)).toEqual([110, 300, 400]);
    expect(stack.lab.machine(web01At).powerState).toBe('off');
    // Parked: shut, and on the device default VLAN, so a power-on by mistake reaches no production
    // network.
    expect(port(web01At, 0)).toMatchObject({ mode: 'access', accessVlan: 1, shutdown: true });

    const ledger = await stack.ledger.snapshot('dc1');
    expect(ledger.placements['web-01']).toEqual({ kind: 'vm', host: HOST });
    expect(ledger.machines[web01At]).toMatchObject({ power: 'off', role: 'idle' });
    for (const nic of machine(web01At).nics)
      expect(ledger.bootAssignments[nic.mac]).toBeUndefined();
    expect(ledger.leases).toEqual({});
  });

  it("copy: web-02's disk streams to a volume, resumes after the stream drops, and the VM boots the identical copy", async () => {
    const disks = labDisks(stack.lab).disks;
    const servedBefore = disks.bytesServed(web02At);
    disks.dropStreamAfter(web02At, 20);
    const report = await p2v({ persona: 'web-02', mode: 'copy', copyChunkMiB: 1 });
    expect(report).toMatchObject({ outcome: 'completed', endedOn: `vm@${HOST}` });
    expect(await healthOf(stack, 'web-02')).toContain('web-02');

    const copy = report.steps.find((s) => s.name === 'copy-disk')!;
    const [, attempt, resumedAt] =
      /attempt (\d+) resumed at byte (\d+)/.exec(copy.detail ?? '') ?? [];
    expect(Number(attempt)).toBeGreaterThanOrEqual(2);
    expect(Number(resumedAt)).toBeGreaterThan(0);
    expect(Number(resumedAt) % MIB).toBe(0);
    const streamed = disks.bytesServed(web02At) - servedBefore;
    expect(streamed).toBeGreaterThanOrEqual(DISK);
    expect(streamed).toBeLessThan(2 * DISK);
    console.log(
      `p2v copy: ${copy.detail ?? ''}; the helper streamed ${streamed} bytes for a ${DISK}-byte disk`,
    );
    expect(labDisks(stack.lab).volumes.digest('array-1', 'web-02-p2v').sha256).toBe(
      diskSha256('web-02', DISK),
    );

    expect(holders('web-02-p2v')).toEqual([machine(HOST).storage.iqn]);
    expect(holders('web-02-boot')).toEqual([machine(HOST).storage.iqn]);
    expect(stack.lab.machine(web02At).powerState).toBe('off');
    expect(port(web02At, 0)).toMatchObject({ shutdown: true });
    const ledger = await stack.ledger.snapshot('dc1');
    expect(ledger.placements['web-02']).toEqual({ kind: 'vm', host: HOST });
    expect(ledger.leases).toEqual({});
  });
});
