import {
  failoverReportText,
  isFailoverReport,
  type FailoverReportView,
} from '../../cli/failover-report-text';
import type { FailoverPlan } from '../../domain/planner/failover-plan';

const plan: FailoverPlan = {
  failedMachines: ['m-r1-01', 'm-r1-02', 'm-r1-03'],
  restorations: [
    {
      outcome: 'restored',
      persona: 'db-01',
      priority: 1,
      from: { kind: 'machine', machine: 'm-r1-01' },
      target: { kind: 'machine', machine: 'm-r2-02' },
    },
    {
      outcome: 'restored',
      persona: 'web-01',
      priority: 2,
      from: { kind: 'machine', machine: 'm-r1-02' },
      target: { kind: 'vm', host: 'm-r3-05', newHost: true },
    },
    {
      outcome: 'not-restored',
      persona: 'sandbox-01',
      priority: 5,
      from: { kind: 'machine', machine: 'm-r1-03' },
      reason: 'too-large',
      detail: 'needs 96 cores / 256 GiB',
    },
  ],
  hypervisorHosts: [{ machine: 'm-r3-05', image: 'kvm-host', vms: ['web-01'] }],
  evictions: [{ machine: 'm-r2-02', occupant: 'batch-01', occupantPriority: 5, for: 'db-01' }],
  groups: [
    { priority: 1, hypervisorHosts: [], personas: ['db-01'] },
    { priority: 2, hypervisorHosts: ['m-r3-05'], personas: ['web-01'] },
  ],
  tally: [],
  search: { nodes: 12, optimal: true },
};

const base = {
  runbook: 'site-failover',
  mode: 'disaster',
  startedAt: '2026-11-25T12:00:00.000Z',
  endedAt: '2026-11-25T12:00:05.000Z',
  failedMachines: plan.failedMachines,
  plan,
} as const;

describe('failoverReportText', () => {
  it('shows the plan waiting for approval: targets, evictions, what stays down and why', () => {
    const waiting: FailoverReportView = {
      ...base,
      outcome: 'awaiting-approval',
      hosts: [],
      personas: [],
      groups: [],
      notRestored: [],
    };
    expect(isFailoverReport(waiting)).toBe(true);
    expect(failoverReportText(waiting)).toBe(
      [
        '  runbook outcome awaiting-approval (disaster); 3 failed machine(s); 0 of 3 persona(s) restored',
        '',
        '  PERSONA     PRIORITY  TARGET                 OUTCOME       RTO',
        '  db-01       1         m-r2-02                planned       -',
        '  web-01      2         vm@m-r3-05 (new host)  planned       -',
        '  sandbox-01  5         -                      not-restored  -',
        '',
        '  planned eviction: batch-01 (priority 5) off m-r2-02, for db-01',
        '  not restored: sandbox-01: too-large: needs 96 cores / 256 GiB',
      ].join('\n'),
    );
  });

  it('shows each persona’s outcome and RTO, the groups, hosts and failures of a finished run', () => {
    const done: FailoverReportView = {
      ...base,
      outcome: 'partial',
      approval: {
        decision: 'approved',
        by: 'oncall',
        reason: 'r1 is gone',
        at: '2026-11-25T12:00:01.000Z',
      },
      hosts: [
        {
          machine: 'm-r3-05',
          outcome: 'failed',
          run: 'x/host-m-r3-05',
          startedAt: '',
          endedAt: '',
          error: { type: 'HypervisorNotReadyError', message: 'virsh never answered' },
        },
      ],
      personas: [
        {
          persona: 'db-01',
          priority: 1,
          outcome: 'restored',
          endedOn: 'm-r2-02',
          rtoSeconds: 10.4,
          steps: [],
        },
        {
          persona: 'web-01',
          priority: 2,
          outcome: 'skipped',
          steps: [],
          reason: 'its new hypervisor host m-r3-05 did not come up',
        },
        {
          persona: 'sandbox-01',
          priority: 5,
          outcome: 'not-restored',
          steps: [],
          reason: 'too-large: needs 96 cores / 256 GiB',
        },
      ],
      groups: [
        {
          priority: 1,
          personas: ['db-01'],
          startedAt: '',
          endedAt: '',
          rtoSeconds: 10.4,
          restored: 1,
          failed: 0,
        },
        { priority: 2, personas: ['web-01'], startedAt: '', endedAt: '', restored: 0, failed: 1 },
      ],
      evictions: [
        {
          ...plan.evictions[0]!,
          outcome: 'not-evicted',
          reason: 'the move on m-r2-02 ended before its evict step; batch-01 kept running',
        },
      ],
      notRestored: [
        {
          persona: 'web-01',
          reason: 'skipped',
          detail: 'its new hypervisor host m-r3-05 did not come up',
        },
        {
          persona: 'sandbox-01',
          reason: 'not-restored',
          detail: 'too-large: needs 96 cores / 256 GiB',
        },
      ],
    };
    expect(failoverReportText(done)).toBe(
      [
        '  runbook outcome partial (disaster), approval approved by oncall (r1 is gone); 3 failed machine(s); 1 of 3 persona(s) restored',
        '',
        '  PERSONA     PRIORITY  TARGET                 OUTCOME       RTO',
        '  db-01       1         m-r2-02                restored      10.4s',
        '  web-01      2         vm@m-r3-05 (new host)  skipped       -',
        '  sandbox-01  5         -                      not-restored  -',
        '',
        '  GROUP       PERSONAS  RESTORED  FAILED  RTO',
        '  priority 1  1         1         0       10.4s',
        '  priority 2  1         0         1       -',
        '',
        '  new hypervisor host m-r3-05: failed — HypervisorNotReadyError: virsh never answered',
        '  eviction not done: batch-01 (priority 5) off m-r2-02, for db-01: the move on m-r2-02 ended before its evict step; batch-01 kept running',
        '  skipped: web-01: its new hypervisor host m-r3-05 did not come up',
        '  not restored: sandbox-01: too-large: needs 96 cores / 256 GiB',
      ].join('\n'),
    );
  });

  it('marks the moves of a rejected plan as never run', () => {
    const rejected: FailoverReportView = {
      ...base,
      outcome: 'rejected',
      approval: { decision: 'rejected', by: 'oncall', at: '2026-11-25T12:00:01.000Z' },
      hosts: [],
      personas: [],
      groups: [],
      notRestored: [],
    };
    expect(failoverReportText(rejected).split('\n').slice(0, 6)).toEqual([
      '  runbook outcome rejected (disaster), approval rejected by oncall; 3 failed machine(s); 0 of 3 persona(s) restored',
      '',
      '  PERSONA     PRIORITY  TARGET                 OUTCOME       RTO',
      '  db-01       1         m-r2-02                not run       -',
      '  web-01      2         vm@m-r3-05 (new host)  not run       -',
      '  sandbox-01  5         -                      not-restored  -',
    ]);
  });

  it('reads a drill report too, with its clean-up and what is left to fix', () => {
    const drill = {
      ...base,
      runbook: 'dr-drill',
      mode: 'drill',
      outcome: 'completed',
      hosts: [],
      personas: [],
      groups: [],
      notRestored: [],
      cleanup: {
        outcome: 'left-to-fix',
        leftToFix: ['db-01 on m-r2-02: delete clone db-01-boot.drill-185151'],
      },
    } as const;
    expect(isFailoverReport(drill)).toBe(true);
    expect(failoverReportText(drill).split('\n').slice(-2)).toEqual([
      '  clean-up: left-to-fix',
      '    left to fix: db-01 on m-r2-02: delete clone db-01-boot.drill-185151',
    ]);
  });

  it('a drill speaks of a rehearsal: machines pretended lost, copies up, clean-up; never of failures or restores', () => {
    const drill: FailoverReportView = {
      ...base,
      runbook: 'dr-drill',
      mode: 'drill',
      outcome: 'completed',
      hosts: [],
      personas: [
        {
          persona: 'db-01',
          priority: 1,
          outcome: 'restored',
          endedOn: 'm-r2-02',
          rtoSeconds: 12.5,
          steps: [],
        },
        {
          persona: 'web-01',
          priority: 2,
          outcome: 'failed',
          steps: [],
          error: { type: 'Error', message: 'web-01 is not healthy after 60s' },
        },
      ],
      groups: [
        {
          priority: 1,
          personas: ['db-01'],
          startedAt: '',
          endedAt: '',
          rtoSeconds: 12.5,
          restored: 1,
          failed: 0,
        },
      ],
      notRestored: [],
      evictions: [{ ...plan.evictions[0]!, outcome: 'evicted' }],
      cleanup: { outcome: 'clean', leftToFix: [] },
    };
    const text = failoverReportText(drill);
    expect(text.split('\n')[0]).toBe(
      '  rehearsal completed; 3 machine(s) pretended lost; drill copies up for 1 of 3 persona(s)',
    );
    expect(text).not.toMatch(/failed machine|restored/);
    expect(text).toContain('  db-01       1         m-r2-02                copy up      12.5s');
    expect(text).toContain('  web-01      2         vm@m-r3-05 (new host)  copy failed  -');
    expect(text).toContain('  GROUP       PERSONAS  COPIES UP  NOT UP  RTO');
    expect(text).toContain(
      "  eviction: batch-01 (priority 5) off m-r2-02, for db-01 (for the drill's length)",
    );
    expect(text.split('\n').at(-1)).toBe(
      '  clean-up: clean (every copy undone, every machine as it was, evicted occupants healthy again)',
    );
  });

  it('a drill at the replicas’ site lists each replica snapshot with its data point and RPO', () => {
    const snapshot = {
      persona: 'web-01',
      source: { array: 'array-a', lun: 'web-01-boot' },
      replica: { array: 'array-b', lun: 'web-01-boot-r' },
      snapshot: 'web-01-boot-r.drill-0a0b0c',
      created: true,
      takenAt: '2026-12-06T21:40:00.000Z',
      mode: 'async',
      rpoSeconds: 300,
      dataAsOf: '2026-12-06T21:35:00.000Z',
      disk: 'UpToDate',
      link: 'Connected',
    } as const;
    const drill: FailoverReportView = {
      ...base,
      runbook: 'dr-drill',
      mode: 'drill',
      outcome: 'completed',
      hosts: [],
      personas: [],
      groups: [],
      notRestored: [],
      snapshots: [snapshot, { ...snapshot, dataAsOf: undefined, link: 'Connecting' }],
      cleanup: { outcome: 'clean', leftToFix: [] },
    };
    expect(failoverReportText(drill).split('\n').slice(-3, -1)).toEqual([
      '  replica snapshot: web-01: web-01-boot-r.drill-0a0b0c of web-01-boot-r on array-b (async replica of web-01-boot), taken 2026-12-06T21:40:00.000Z, data as of 2026-12-06T21:35:00.000Z, RPO 300s',
      '  replica snapshot: web-01: web-01-boot-r.drill-0a0b0c of web-01-boot-r on array-b (async replica of web-01-boot), taken 2026-12-06T21:40:00.000Z, data as of the link break (link Connecting), RPO 300s',
    ]);
  });

  it('leaves other runbooks’ results alone', () => {
    expect(isFailoverReport({ runbook: 'repurpose', steps: [] })).toBe(false);
    expect(isFailoverReport(undefined)).toBe(false);
  });
});
