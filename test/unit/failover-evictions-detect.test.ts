import type { MachineProbe } from '../../domain/failover/detect-records';
import type { StepRecord } from '../../workflows/run-journal';
import { detectRecords } from '../../domain/failover/detect-records';
import { evictionsDone } from '../../workflows/site-failover/evictions-done';

const step = (name: string, outcome: StepRecord['outcome']): StepRecord => ({
  name,
  summary: name,
  startedAt: '2026-12-06T10:00:00.000Z',
  endedAt: '2026-12-06T10:00:01.000Z',
  outcome,
});
const planned = [
  { machine: 'm-r2-01', occupant: 'print-01', occupantPriority: 5, for: 'db-01' },
  { machine: 'm-r2-02', occupant: 'print-02', occupantPriority: 5, for: 'cluster-a' },
  { machine: 'm-r2-03', occupant: 'print-03', occupantPriority: 4, for: 'web-01' },
  { machine: 'm-r2-04', occupant: 'print-04', occupantPriority: 4, for: 'app-01' },
];

describe('evictionsDone (what a failover report lists as evicted)', () => {
  it('lists only evictions a move really did; a host bring-up that failed before its evict step evicted nobody', () => {
    const ends = new Map([
      [
        'm-r2-01',
        { ok: true, steps: [step('lease', 'ok'), step('evict', 'ok'), step('health', 'ok')] },
      ],
      [
        'm-r2-02',
        {
          ok: false,
          steps: [step('lease', 'ok'), step('plan', 'failed')],
          error: { type: 'NoCapacityError', message: 'cluster-a is leased by another run' },
        },
      ],
      [
        'm-r2-03',
        {
          ok: false,
          steps: [step('evict', 'ok'), step('health', 'failed')],
          error: { type: 'Error', message: 'web-01 is not healthy after 60s' },
        },
      ],
    ]);
    const done = evictionsDone(planned, ends);
    expect(done.map((e) => [e.occupant, e.outcome])).toEqual([
      ['print-01', 'evicted'],
      ['print-02', 'not-evicted'],
      ['print-03', 'not-evicted'],
      ['print-04', 'not-evicted'],
    ]);
    expect(done[1]!.reason).toBe(
      'the move on m-r2-02 ended before its evict step; print-02 kept running (NoCapacityError: cluster-a is leased by another run)',
    );
    expect(done[2]!.reason).toMatch(
      /^the move on m-r2-03 evicted it, then failed and was undone, so print-03 runs there again/,
    );
    expect(done[3]!.reason).toBe('no move on m-r2-04 ran');
  });
});

describe('detectRecords (what a disaster failover records in the ledger for its scope)', () => {
  const probes: MachineProbe[] = [
    { machine: 'm-r1-01', power: 'unknown', persona: 'db-01', detail: 'BMC silent' },
    { machine: 'm-r1-02', power: 'unknown', detail: 'BMC silent' },
    {
      machine: 'm-r1-03',
      power: 'on',
      persona: 'web-01',
      personaHealthy: false,
      detail: 'health check failed',
    },
    { machine: 'm-r1-04', power: 'off', persona: 'app-01', detail: 'off' },
    {
      machine: 'm-r1-05',
      power: 'on',
      persona: 'auth-01',
      personaHealthy: true,
      detail: 'healthy',
    },
    { machine: 'm-r1-06', power: 'off', detail: 'idle' },
  ];

  it('records every machine of the scope, moved or not: dark ones power unknown and unhealthy', () => {
    expect(detectRecords(probes, true)).toEqual([
      { machine: 'm-r1-01', power: 'unknown', healthy: false },
      { machine: 'm-r1-02', power: 'unknown', healthy: false },
      { machine: 'm-r1-03', power: 'on', healthy: false },
      { machine: 'm-r1-04', power: 'off', healthy: false },
      { machine: 'm-r1-05', power: 'on', healthy: true },
      { machine: 'm-r1-06', power: 'off', healthy: true },
    ]);
  });

  it('an explicit list is declared lost, not probed: every machine is recorded as a dark one', () => {
    expect(
      detectRecords(
        probes.slice(0, 2).map((p) => ({ ...p, power: 'unknown' as const })),
        false,
      ).every((r) => r.power === 'unknown' && !r.healthy),
    ).toBe(true);
  });
});
