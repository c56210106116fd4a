import { ApplicationFailure } from '@temporalio/workflow';
import { createPlannerActivities } from '../../activities/planner-activities';
import { planOrFail } from '../../workflows/site-failover/plan-or-fail';
import { buildTopology } from './planner-fixtures';

// What the ledger holds after a failover took m-r2-01 for web-01 without recording that its
// topology occupant batch-01 left: batch-01 still rests there by the topology.
const topology = buildTopology({
  machines: [
    { id: 'm-r1-01', rack: 'r1', cores: 16, memoryGiB: 64, pool: 'dedicated', occupant: 'web-01' },
    {
      id: 'm-r2-01',
      rack: 'r2',
      cores: 16,
      memoryGiB: 64,
      pool: 'repurposable',
      priority: 5,
      occupant: 'batch-01',
    },
  ],
  personas: [
    { name: 'web-01', priority: 2, cores: 8, memoryGiB: 32 },
    { name: 'batch-01', priority: 5, cores: 8, memoryGiB: 32 },
  ],
});
const options = { holder: 'site-failover/r2/t1' };

describe('planOrFail', () => {
  it('plans as the planner does', () => {
    const plan = planOrFail({ topology, ledger: {}, failedMachines: ['m-r1-01'], options });
    expect(plan.restorations).toMatchObject([
      { persona: 'web-01', outcome: 'restored', target: { kind: 'machine', machine: 'm-r2-01' } },
    ]);
  });

  it('turns a planner refusal into a non-retryable ValidationError failure naming the fields, so the run fails instead of hanging', () => {
    const conflicting = {
      topology,
      ledger: {
        placements: [
          { persona: 'web-01', placement: { kind: 'machine' as const, machine: 'm-r2-01' } },
        ],
      },
      failedMachines: ['m-r2-01'],
      options,
    };
    let thrown: unknown;
    try {
      planOrFail(conflicting);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(ApplicationFailure);
    expect(thrown).toMatchObject({
      type: 'ValidationError',
      nonRetryable: true,
      message:
        'cannot plan: the planner refuses what detect read: ledger.placements: personas "batch-01" and "web-01" are both placed on machine "m-r2-01"',
    });
    expect(() => planOrFail({ ...conflicting, ledger: {}, failedMachines: ['m-r9-99'] })).toThrow(
      'failedMachines[0]: unknown machine "m-r9-99"',
    );
    expect(() => planOrFail({ ...conflicting, ledger: {}, failedMachines: ['M R1'] })).toThrow(
      /cannot plan: .*failedMachines\[0\]: must be lower-case/,
    );
  });

  it('fails the planFailover local activity the same way: non-retryable, naming the fields', async () => {
    const refused = createPlannerActivities().planFailover({
      topology,
      ledger: {
        placements: [
          { persona: 'web-01', placement: { kind: 'machine' as const, machine: 'm-r2-01' } },
        ],
      },
      failedMachines: ['m-r2-01'],
      options,
    });
    await expect(refused).rejects.toBeInstanceOf(ApplicationFailure);
    await expect(refused).rejects.toMatchObject({
      type: 'ValidationError',
      nonRetryable: true,
      message:
        'cannot plan: the planner refuses what detect read: ledger.placements: personas "batch-01" and "web-01" are both placed on machine "m-r2-01"',
    });
  });
});
