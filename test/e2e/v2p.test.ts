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

let stack: FullStack;

beforeAll(async () => {
  stack = await startP2vStack();
  await bringUpHost(stack);
  for (const persona of ['web-01', 'web-02']) {
    await onMachine(stack, persona);
    const moved = await runbook(stack, 'p2v', 'p2v', {
      persona,
      mode: 'san',
      graceSeconds: 5,
      healthTimeoutSeconds: 60,
    });
    if (moved.outcome !== 'completed') throw new Error(`p2v of ${persona} ended ${moved.outcome}`);
  }
});

afterAll(async () => {
  await stack?.stop();
});

const v2p = (input: Record<string, unknown>): Promise<RunbookReport> =>
  runbook(stack, 'v2p', 'v2p', {
    graceSeconds: 5,
    healthTimeoutSeconds: 60,
    powerTimeoutSeconds: 30,
    ...input,
  });
const { machine, trunk, holders } = stackReads(() => stack);

describe('v2p (full lab: two VMs on the host share VLAN 110)', () => {
  it('web-02 goes to the machine it is given; VLAN 110 stays on the host trunks, web-01 still needs it', async () => {
    const report = await v2p({ persona: 'web-02', machine: 'm-r1-04' });
    expect(report).toMatchObject({ outcome: 'completed', endedOn: 'm-r1-04' });
    expect(await healthOf(stack, 'web-02')).toContain('web-02');
    expect(report.steps.find((s) => s.name === 'host-trunk')).toMatchObject({
      outcome: 'skipped',
      detail: 'nothing to change',
    });
    expect(trunk(HOST, 0)).toEqual([110, 300, 400]);
    expect(trunk(HOST, 1)).toEqual([110, 300, 400]);
    expect(holders('web-02-boot')).toEqual([machine('m-r1-04').storage.iqn]);
    expect(labVms(stack, HOST)['web-02']).toBeUndefined();
    const ledger = await stack.ledger.snapshot('dc1');
    expect(ledger.placements['web-02']).toEqual({ kind: 'machine', machine: 'm-r1-04' });
    expect(ledger.machines['m-r1-04']).toMatchObject({
      power: 'on',
      role: 'persona',
      healthy: true,
    });
    expect(ledger.leases).toEqual({});
  });

  it('failing in the middle: web-01 leaves the host trunks but its machine never boots; the VM runs again with the lab and the ledger exactly as before', async () => {
    const before = labHardwareState(stack.lab);
    const ledgerBefore = ledgerFacts(await stack.ledger.snapshot('dc1'));
    stack.lab.machine('m-r1-03').bootHangs = true;
    const e = await v2p({ persona: 'web-01', machine: 'm-r1-03', healthTimeoutSeconds: 5 }).catch(
      (err: unknown) => err,
    );
    stack.lab.machine('m-r1-03').bootHangs = false;
    const report = failedReport(e);
    expect(report).toMatchObject({ outcome: 'compensated', leftToFix: [] });
    expect(report.compensations.map((c) => c.step)).toEqual([
      'power-on',
      'boot-device',
      'boot-assignment',
      'luns',
      'ports',
      'host-trunk',
      'unmask-host',
      'remove-vm',
      'stop-vm',
      'lease',
    ]);
    expect(labHardwareState(stack.lab)).toEqual(before);
    expect(ledgerFacts(await stack.ledger.snapshot('dc1'))).toEqual(ledgerBefore);
    expect(labVms(stack, HOST)['web-01']).toEqual({ state: 'running', persistent: true });
  });

  it('web-01 goes to a machine it chooses; no VM needs VLAN 110 any more, so it leaves the host trunks', async () => {
    const report = await v2p({ persona: 'web-01' });
    expect(report.outcome).toBe('completed');
    const at = report.endedOn;
    expect(machine(at).pool).toBe('spare');
    expect(await healthOf(stack, 'web-01')).toContain('web-01');
    expect(report.steps.map((s) => s.name)).toEqual([
      'locate',
      'choose-machine',
      'lease',
      'plan-vm',
      'stop-vm',
      'remove-vm',
      'unmask-host',
      'lease-host',
      'host-trunk',
      'ports',
      'luns',
      'boot-assignment',
      'boot-device',
      'power-on',
      'health',
      'placement',
      'record-machine',
    ]);
    // The host persona's own trunks again, exactly as bring-up left them.
    expect(trunk(HOST, 0)).toEqual([300, 400]);
    expect(trunk(HOST, 1)).toEqual([300, 400]);
    expect(holders('web-01-boot')).toEqual([machine(at).storage.iqn]);
    expect(labVms(stack, HOST)).toEqual({});
    const ledger = await stack.ledger.snapshot('dc1');
    expect(ledger.placements['web-01']).toEqual({ kind: 'machine', machine: at });
    expect(ledger.leases).toEqual({});
  });
});
