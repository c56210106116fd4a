import type { PersonaLocation } from '../../domain/placement/persona-location';
import { decideFailback } from '../../domain/failback/failback-move';

const at = (...machines: string[]): PersonaLocation => ({
  placements: machines
    .slice(0, 1)
    .map((machine) => ({ site: 'dc1', placement: { kind: 'machine', machine } })),
  lunHolders: machines.map((machine) => ({
    array: 'array-1',
    lun: 'p-boot',
    initiator: `iqn.2026-11.lab:${machine}`,
    machine,
  })),
});
const vm = (host: string): PersonaLocation => ({
  placements: [{ site: 'dc1', placement: { kind: 'vm', host } }],
  lunHolders: [
    { array: 'array-1', lun: 'p-boot', initiator: `iqn.2026-11.lab:${host}`, machine: host },
  ],
});
const nowhere: PersonaLocation = { placements: [], lunHolders: [] };
const HOME_M = { kind: 'machine', machine: 'm-home' } as const;
const HOME_VM = { kind: 'vm', host: 'h-home' } as const;

describe('decideFailback (which planned move brings a persona home)', () => {
  it('home is a machine', () => {
    expect(decideFailback('p', HOME_M, at('m-home'))).toEqual({
      from: 'm-home',
      to: 'm-home',
      move: { kind: 'already-home' },
    });
    // Running at home with no ledger record (the lab at rest): the LUN holder says where.
    expect(
      decideFailback('p', HOME_M, { placements: [], lunHolders: at('m-home').lunHolders }),
    ).toMatchObject({ move: { kind: 'already-home' } });
    expect(decideFailback('p', HOME_M, at('m-dr'))).toEqual({
      from: 'm-dr',
      to: 'm-home',
      move: { kind: 'repurpose', machine: 'm-home' },
    });
    expect(decideFailback('p', HOME_M, at('m-dr', 'm-home'))).toEqual({
      from: 'm-dr+m-home',
      to: 'm-home',
      move: { kind: 'repurpose', machine: 'm-home' },
    });
    expect(decideFailback('p', HOME_M, nowhere)).toEqual({
      from: 'none',
      to: 'm-home',
      move: { kind: 'repurpose', machine: 'm-home' },
    });
    expect(decideFailback('p', HOME_M, vm('h-dr'))).toEqual({
      from: 'vm@h-dr',
      to: 'm-home',
      move: { kind: 'v2p', machine: 'm-home' },
    });
  });

  it('home is a VM on a host', () => {
    expect(decideFailback('p', HOME_VM, vm('h-home'))).toEqual({
      from: 'vm@h-home',
      to: 'vm@h-home',
      move: { kind: 'already-home' },
    });
    expect(decideFailback('p', HOME_VM, at('m-dr'))).toEqual({
      from: 'm-dr',
      to: 'vm@h-home',
      move: { kind: 'p2v', host: 'h-home' },
    });
    expect(decideFailback('p', HOME_VM, vm('h-dr')).move).toEqual({
      kind: 'refuse',
      reason:
        'p runs as a VM on h-dr and its home is a VM on h-home; no runbook moves a VM between hosts (v2p it to a machine first)',
    });
    expect(decideFailback('p', HOME_VM, nowhere).move).toMatchObject({
      kind: 'refuse',
      reason: expect.stringContaining('p runs nowhere'),
    });
    expect(decideFailback('p', HOME_VM, at('m-a', 'm-b')).move).toMatchObject({
      kind: 'refuse',
      reason: expect.stringContaining('several machines (m-a, m-b)'),
    });
  });

  it('refuses a persona whose LUN an initiator outside the topology holds', () => {
    const stranger: PersonaLocation = {
      placements: [],
      lunHolders: [
        { array: 'array-1', lun: 'p-boot', initiator: 'iqn.2026-11.elsewhere:x', machine: null },
      ],
    };
    expect(decideFailback('p', HOME_M, stranger).move).toEqual({
      kind: 'refuse',
      reason:
        'p-boot on array-1 is masked to iqn.2026-11.elsewhere:x, which is no machine of the topology; unmask it by hand first',
    });
  });
});
