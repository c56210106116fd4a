import { join } from 'node:path';
import { probe } from '../../drivers/health/health-probe';
import type { FailoverPlan } from '../../domain/planner/failover-plan';
import type { FailoverReport } from '../../workflows/site-failover/failover-report';
import type { FullStack } from './full-stack';
import { ROOT } from './lab-fixtures';
import { labVms } from './vm-on-host';

/** examples/rack-fire-two-hosts.yaml: the story's shape (docs/clusters.md). */
export const STORY = join(ROOT, 'examples', 'rack-fire-two-hosts.yaml');

/**
 * What the story's failover promises, checked against the report, the ledger and the lab:
 * eight personas on bare metal, two new hosts of dr-cluster each running three VMs, priority 3
 * before priority 4, every promised persona answering its own health check where the plan put
 * it, and the six left down listed each with its reason.
 */
export async function expectStoryRestored(stack: FullStack, report: FailoverReport): Promise<void> {
  const plan = report.plan as FailoverPlan;
  const promised = plan.restorations.filter((r) => r.outcome === 'restored');
  expect(promised.filter((r) => r.target.kind === 'machine')).toHaveLength(8);
  expect(plan.hypervisorHosts.map((h) => [h.cluster, h.vms.length])).toEqual([
    ['dr-cluster', 3],
    ['dr-cluster', 3],
  ]);

  // Both hosts came up, side by side (their bring-ups overlap in time), as hosts of dr-cluster.
  expect(report.hosts.map((h) => [h.machine, h.cluster, h.outcome]).sort()).toEqual(
    plan.hypervisorHosts.map((h) => [h.machine, 'dr-cluster', 'up']),
  );
  const [a, b] = report.hosts;
  expect(Date.parse(a!.startedAt)).toBeLessThan(Date.parse(b!.endedAt));
  expect(Date.parse(b!.startedAt)).toBeLessThan(Date.parse(a!.endedAt));

  // Every promised persona is restored where the plan said, and answers its own health check.
  expect(
    report.personas
      .filter((p) => p.outcome !== 'restored' && p.outcome !== 'not-restored')
      .map((p) => `${p.persona}: ${p.outcome} ${p.error?.message ?? p.reason ?? ''}`),
  ).toEqual([]);
  const ledger = await stack.ledger.snapshot('dc1');
  for (const r of promised) {
    const outcome = report.personas.find((p) => p.persona === r.persona);
    expect({ persona: r.persona, outcome: outcome?.outcome }).toEqual({
      persona: r.persona,
      outcome: 'restored',
    });
    if (r.target.kind === 'machine') {
      expect(ledger.placements[r.persona]).toEqual({ kind: 'machine', machine: r.target.machine });
      expect(stack.lab.machine(r.target.machine).bootResult).toMatchObject({
        healthy: true,
        persona: r.persona,
      });
    } else {
      expect(ledger.placements[r.persona]).toEqual({ kind: 'vm', host: r.target.host });
    }
    const check = stack.topology.personas.find((p) => p.name === r.persona)!.health!;
    expect({
      persona: r.persona,
      healthy: (await probe(check, { timeoutMs: 3000 })).healthy,
    }).toEqual({ persona: r.persona, healthy: true });
  }
  // The hosts are machines of the cluster in the ledger, and each runs its three VMs.
  for (const h of plan.hypervisorHosts) {
    expect(ledger.machines[h.machine]).toMatchObject({
      role: 'hypervisor',
      cluster: 'dr-cluster',
      power: 'on',
    });
    expect(
      Object.entries(labVms(stack, h.machine))
        .map(([vm, d]) => [vm, d.state])
        .sort(),
    ).toEqual(h.vms.map((vm) => [vm, 'running']).sort());
  }

  // Priority 3 ran (and finished) before priority 4 started.
  const group = (p: number) => report.groups.find((g) => g.priority === p)!;
  expect(report.groups.map((g) => g.priority)).toEqual([1, 2, 3, 4]);
  expect(Date.parse(group(4).startedAt)).toBeGreaterThanOrEqual(Date.parse(group(3).endedAt));
  expect(
    group(3).personas.every((p) => promised.find((r) => r.persona === p)?.target.kind === 'vm'),
  ).toBe(true);

  // The six left down are listed, each with its reason.
  expect(report.notRestored).toHaveLength(6);
  for (const n of report.notRestored)
    expect(n).toMatchObject({
      reason: 'not-restored',
      detail: expect.stringMatching(/^no-capacity: /),
    });
  expect(report.notRestored.map((n) => n.persona).sort()).toEqual(
    plan.restorations
      .filter((r) => r.outcome === 'not-restored')
      .map((r) => r.persona)
      .sort(),
  );
}
