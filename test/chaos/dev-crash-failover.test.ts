import { join } from 'node:path';
import { devCrashHarness } from '../support/dev-crash-failover';
import { ROOT } from '../support/lab-fixtures';

jest.setTimeout(900_000);

const harness = devCrashHarness();
afterAll(() => harness.cleanup());

/**
 * The story's crash, at its worst: rack r1 of a seeded rack-fire data center burns, a
 * site-failover runs, and the whole `rackshift dev` process tree (API, worker, Temporal dev
 * server, lab) is SIGKILLed with moves in flight. Started again on the same data folder, the
 * lab is as it was (r1 still dark, the half-done moves' ports, masks and power as they were),
 * the run goes on and restores what its plan promised (test/support/dev-crash-failover).
 */
describe('a site-failover survives a SIGKILL of the whole rackshift dev stack', () => {
  it('rack r1 burns; the stack dies mid-failover; restarted on the same data folder, the run completes and the lab agrees', async () => {
    // Mid-failover: some moves finished, others running (their ports, masks and power half
    // changed).
    const o = await harness.crashMidFailover({
      source: join(ROOT, 'examples', 'rack-fire.yaml'),
      killWhen: (running, done) => running.length > 0 && done.length > 0,
    });
    // A dedicated machine no run touches kept running what it ran.
    expect(o.restarted.machines['m-r3-04']).toMatchObject({
      power: 'on',
      boot: { healthy: true, persona: 'ldap-01' },
    });
    expect(
      o.report.personas
        .filter((p) => p.priority <= 2 && p.outcome !== 'restored')
        .map((p) => p.persona),
    ).toEqual([]);
    console.log(
      `dev crash mid-failover: killed ${o.killedAfterSeconds.toFixed(1)} s in with ${o.running.length} move(s) running and ${o.done.length} done; ` +
        `completed ${o.report.personas.filter((p) => p.outcome === 'restored').length} of ${o.plan.restorations.length} restored ` +
        `${o.completedAfterKillSeconds.toFixed(1)} s after the kill; group RTOs ${o.report.groups.map((g) => `p${g.priority}=${g.rtoSeconds ?? '-'}s`).join(' ')}`,
    );
  });
});
