import { runOutcomeText } from '../../cli/run-outcome-text';

const failover = {
  runbook: 'site-failover',
  mode: 'disaster',
  outcome: 'partial',
  startedAt: '2026-12-06T10:00:00.000Z',
  endedAt: '2026-12-06T10:05:00.000Z',
  failedMachines: ['m-r1-01'],
  hosts: [],
  personas: [
    {
      persona: 'db-01',
      priority: 1,
      outcome: 'failed',
      steps: [],
      error: { type: 'Error', message: 'never healthy' },
    },
  ],
  groups: [],
  notRestored: [{ persona: 'db-01', reason: 'failed', detail: 'never healthy' }],
};

describe('runOutcomeText (rackshift runs show)', () => {
  it('labels the Temporal status and the runbook outcome, so COMPLETED and partial are not read as one', () => {
    const lines = runOutcomeText({
      runId: 'site-failover/dc1/x',
      status: 'COMPLETED',
      result: failover,
    }).split('\n');
    expect(lines[0]).toBe('site-failover/dc1/x: Temporal status COMPLETED');
    expect(lines[1]).toBe(
      '  runbook outcome partial (disaster); 1 failed machine(s); 0 of 1 persona(s) restored',
    );
  });

  it('labels a plain runbook result’s outcome too', () => {
    expect(
      runOutcomeText({
        runId: 'repurpose/db-01/x',
        status: 'COMPLETED',
        result: { runbook: 'repurpose', outcome: 'completed', endedOn: 'm-r2-01', steps: [] },
      }),
    ).toBe(
      [
        'repurpose/db-01/x: Temporal status COMPLETED',
        '  runbook outcome completed',
        '  result: {"runbook":"repurpose","endedOn":"m-r2-01"}',
      ].join('\n'),
    );
  });

  it('a failed run: its Temporal status and the failure', () => {
    expect(
      runOutcomeText({
        runId: 'p2v/x',
        status: 'FAILED',
        failure: { type: 'NoCapacityError', message: 'no host' },
      }),
    ).toBe('p2v/x: Temporal status FAILED\n  failure: NoCapacityError: no host');
  });
});
