import { devCrashHarness } from '../support/dev-crash-failover';
import { labVmsOf } from '../support/lab-reading';
import { STORY } from '../support/story-checks';

jest.setTimeout(900_000);

const harness = devCrashHarness();
afterAll(() => harness.cleanup());

const isHost = (id: string): boolean => id.startsWith('host-');

/**
 * The issue's "Done when", second half: the story's rack fire (examples/rack-fire-two-hosts.yaml:
 * 20 lost, 10 working machines, two new hosts of three VMs each) restores everything its plan
 * promises with a restart of `rackshift dev` in the middle. The whole process group dies at one
 * of two moments (a host bring-up running; both hosts up and their VM moves running);
 * `rackshift dev` starts again on the same data folder and the same run finishes.
 */
const moments: Array<[string, (running: readonly string[], done: readonly string[]) => boolean]> = [
  // Priority groups 1 and 2 are done by then; a host's trunks, masks and power are half set.
  [
    'a host bring-up',
    (running, done) => running.some(isHost) || (done.some(isHost) && running.length > 0),
  ],
  // Both hosts up; priority 3's VMs are being defined and started on them (the lab restores VMs).
  ['the VM moves', (running, done) => done.filter(isHost).length === 2 && running.length > 0],
];

describe('the story’s rack fire survives a SIGKILL of the whole rackshift dev stack', () => {
  it.each(moments)(
    'r1 burns; the stack dies with %s in flight; restarted, both hosts run three VMs each and ledger and lab agree',
    async (moment, killWhen) => {
      const o = await harness.crashMidFailover({ source: STORY, killWhen });
      const { plan, report, ledger, final } = o;
      expect(
        plan.restorations.filter((r) => r.outcome === 'restored' && r.target.kind === 'machine'),
      ).toHaveLength(8);
      expect(plan.hypervisorHosts.map((h) => [h.cluster, h.vms.length])).toEqual([
        ['dr-cluster', 3],
        ['dr-cluster', 3],
      ]);
      // Both hosts: recorded as hosts of dr-cluster, on, and each runs its three VMs (lab and
      // ledger).
      for (const h of plan.hypervisorHosts) {
        expect(ledger.machines[h.machine]).toMatchObject({
          role: 'hypervisor',
          cluster: 'dr-cluster',
          power: 'on',
        });
        expect(final.machines[h.machine]).toMatchObject({ power: 'on', dark: false });
        expect(labVmsOf(final, h.machine)).toEqual(
          Object.fromEntries(h.vms.map((vm) => [vm, 'running'])),
        );
        for (const vm of h.vms)
          expect({ vm, placement: ledger.placements[vm] }).toEqual({
            vm,
            placement: { kind: 'vm', host: h.machine },
          });
      }
      expect(report.notRestored).toHaveLength(6);
      const group = (p: number) => report.groups.find((g) => g.priority === p)!;
      expect(Date.parse(group(4).startedAt)).toBeGreaterThanOrEqual(Date.parse(group(3).endedAt));
      console.log(
        `rack-fire story dev crash (${moment}): killed ${o.killedAfterSeconds.toFixed(1)} s in with ${o.running.join(', ')} running (${o.done.length} done); ` +
          `completed ${o.completedAfterKillSeconds.toFixed(1)} s after the kill; ${report.personas.filter((p) => p.outcome === 'restored').length} of 20 restored; ` +
          `hosts ${report.hosts.map((h) => `${h.machine} ${((Date.parse(h.endedAt) - Date.parse(h.startedAt)) / 1000).toFixed(1)} s`).join(', ')}; ` +
          `group RTOs ${report.groups.map((g) => `p${g.priority}=${g.rtoSeconds ?? '-'}s`).join(' ')}`,
      );
    },
  );
});
