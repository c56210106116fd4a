import { loadTopologyFile } from './inventory/load-topology';
import { planFailover } from './workflows/planner/plan-failover';
import { plannerInputSchema } from './workflows/planner/planner-input';
import { explainPlan } from './workflows/planner/explain-plan';
void (async () => {
  const t = await loadTopologyFile(process.argv[2]!);
  const failed = t.sites[0]!.machines.filter((m) => m.rack === (process.argv[3] ?? 'r1')).map((m) => m.id);
  const plan = planFailover(plannerInputSchema.parse({ topology: t, failedMachines: failed }));
  console.log(explainPlan(plan));
  console.log(JSON.stringify(plan.hypervisorHosts), JSON.stringify(plan.groups));
})();
