import { findRunbook } from '../../api/runbook-catalog';
import {
  failoverToUndo,
  NotAFailoverRunError,
  SITE_FAILOVER_TYPE,
} from '../../domain/failback/failover-to-undo';
import type { FailoverReport } from '../../workflows/site-failover/failover-report';

const RUN = 'site-failover/dc1/20261125T084512Z-3fa9';

/** A whole FailoverReport, as the site-failover runbook returns it. */
const report: FailoverReport = {
  runbook: 'site-failover',
  mode: 'disaster',
  outcome: 'partial',
  startedAt: '2026-11-25T08:45:12.000Z',
  endedAt: '2026-11-25T08:52:40.000Z',
  failedMachines: ['m-r1-01', 'm-r2-01'],
  hosts: [
    { machine: 'm-r2-03', outcome: 'up', run: `${RUN}/host/m-r2-03`, startedAt: '…', endedAt: '…' },
    {
      machine: 'm-r2-02',
      outcome: 'failed',
      run: `${RUN}/host/m-r2-02`,
      startedAt: '…',
      endedAt: '…',
      error: { type: 'HypervisorNotReadyError', message: 'no libvirt' },
    },
  ],
  personas: [
    { persona: 'db-01', priority: 1, outcome: 'restored', endedOn: 'm-r1-03', steps: [] },
    { persona: 'web-01', priority: 2, outcome: 'restored', endedOn: 'vm@m-r2-03', steps: [] },
    {
      persona: 'app-01',
      priority: 3,
      outcome: 'failed',
      steps: [],
      error: { type: 'HealthTimeout', message: 'never healthy' },
    },
    { persona: 'batch-01', priority: 5, outcome: 'not-restored', steps: [], reason: 'no-capacity' },
  ],
  groups: [],
  notRestored: [{ persona: 'batch-01', reason: 'no-capacity', detail: 'every machine is used' }],
  plan: {
    failedMachines: ['m-r1-01', 'm-r2-01'],
    restorations: [],
    hypervisorHosts: [],
    evictions: [{ machine: 'm-r1-02', occupant: 'batch-01', occupantPriority: 5, for: 'db-01' }],
    groups: [],
    tally: [],
    search: { nodes: 12, optimal: true },
  },
};

const completed = (result: unknown, workflowType = SITE_FAILOVER_TYPE) => ({
  workflowType,
  status: 'COMPLETED',
  result,
});
const refusal = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(NotAFailoverRunError);
    expect((e as NotAFailoverRunError).retryable).toBe(false);
    return (e as Error).message;
  }
  throw new Error('expected a refusal');
};

describe('failoverToUndo (what a failback reads from a site-failover run)', () => {
  it('names the workflow type the catalog starts site-failover runs under', () => {
    expect(findRunbook('site-failover')?.workflowType).toBe(SITE_FAILOVER_TYPE);
  });

  it('takes the restored personas, the hosts that came up and the evictions from a completed run', () => {
    expect(failoverToUndo(RUN, completed(report))).toEqual({
      run: RUN,
      outcome: 'partial',
      restored: [
        { persona: 'db-01', endedOn: 'm-r1-03' },
        { persona: 'web-01', endedOn: 'vm@m-r2-03' },
      ],
      hosts: ['m-r2-03'],
      evictions: [{ machine: 'm-r1-02', occupant: 'batch-01' }],
    });
  });

  it('brings back only occupants whose eviction really happened, not every one the plan named', () => {
    const plan = {
      ...report.plan!,
      evictions: [
        ...report.plan!.evictions,
        { machine: 'm-r2-02', occupant: 'print-01', occupantPriority: 5, for: 'web-01' },
      ],
    };
    const evictions = [
      { ...plan.evictions[0]!, outcome: 'evicted' as const },
      {
        ...plan.evictions[1]!,
        outcome: 'not-evicted' as const,
        reason: 'the move on m-r2-02 ended before its evict step; print-01 kept running',
      },
    ];
    expect(failoverToUndo(RUN, completed({ ...report, plan, evictions })).evictions).toEqual([
      { machine: 'm-r1-02', occupant: 'batch-01' },
    ]);
  });

  it('a rejected failover restored nothing: nothing to bring back', () => {
    const { plan: _p, ...rejected } = report;
    expect(
      failoverToUndo(RUN, completed({ ...rejected, outcome: 'rejected', personas: [], hosts: [] })),
    ).toEqual({ run: RUN, outcome: 'rejected', restored: [], hosts: [], evictions: [] });
  });

  it('refuses a workflow that does not exist', () => {
    expect(refusal(() => failoverToUndo(RUN, undefined))).toBe(
      `${RUN} is not a site-failover run to fail back from: Temporal knows no workflow with this id`,
    );
  });

  it('refuses a run of another workflow type, even when its result looks like a failover report', () => {
    expect(refusal(() => failoverToUndo(RUN, completed(report, 'repurpose')))).toBe(
      `${RUN} is not a site-failover run to fail back from: it is a repurpose run, not a siteFailover run`,
    );
  });

  it('refuses a failover that is still running or did not complete', () => {
    expect(
      refusal(() => failoverToUndo(RUN, { workflowType: SITE_FAILOVER_TYPE, status: 'RUNNING' })),
    ).toMatch(/its latest run is RUNNING, not COMPLETED$/);
    expect(
      refusal(() => failoverToUndo(RUN, { workflowType: SITE_FAILOVER_TYPE, status: 'FAILED' })),
    ).toMatch(/its latest run is FAILED, not COMPLETED$/);
  });

  it('refuses a result that is not a failover report, naming the bad fields', () => {
    expect(
      refusal(() =>
        failoverToUndo(
          RUN,
          completed({ runbook: 'site-failover', outcome: 'completed', hosts: [] }),
        ),
      ),
    ).toMatch(/its result is not a failover report \(result\.personas: /);
    expect(
      refusal(() => failoverToUndo(RUN, completed({ ...report, runbook: 'dr-drill' }))),
    ).toMatch(/result\.runbook: must be "site-failover" \(a dr-drill cleans up after itself\)/);
    expect(
      refusal(() =>
        failoverToUndo(
          RUN,
          completed({
            ...report,
            personas: [{ persona: 'Not An Id', outcome: 'restored', steps: [] }],
          }),
        ),
      ),
    ).toMatch(/result\.personas\[0\]\.persona: /);
  });
});
