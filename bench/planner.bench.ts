/**
 * Failover planner time for 20, 200 and 2000 lost personas: examples/rack-fire.yaml
 * (twenty personas in a burning rack, ten machines left) copied k times into one site.
 * Reported as a ratio against the 20-persona case measured by this same run, so the
 * numbers compare across machines. Run: npm run bench -- planner
 */
import { loadTopologyFile } from '../inventory/load-topology';
import { benchArgs } from './bench-args';
import { writeResults } from './bench-results';
import type { Topology } from '../inventory/topology-schema';
import { planFailover } from '../domain/planner/planner';
import { plannerInputSchema, type PlannerInput } from '../domain/planner/planner-input';

function copies(base: Topology, k: number): { input: PlannerInput; lost: number } {
  const site = base.sites[0];
  if (site === undefined) throw new Error('rack-fire.yaml has no site');
  const rename = (id: string, i: number): string => `${id}-k${i}`;
  const machines = Array.from({ length: k }, (_, i) =>
    site.machines.map((m) => ({
      ...m,
      id: rename(m.id, i),
      ...(m.occupant !== undefined ? { occupant: rename(m.occupant, i) } : {}),
    })),
  ).flat();
  const personas = Array.from({ length: k }, (_, i) =>
    base.personas.map((p) => ({
      ...p,
      name: rename(p.name, i),
      ...(p.home !== undefined && 'machine' in p.home
        ? { home: { machine: rename(p.home.machine, i) } }
        : {}),
    })),
  ).flat();
  const failed = machines.filter((m) => m.rack === 'r1').map((m) => m.id);
  const topology = { ...base, sites: [{ ...site, machines }], personas };
  return {
    input: plannerInputSchema.parse({ topology, failedMachines: failed }),
    lost: failed.length,
  };
}

function medianMs(run: () => void, repeats: number): number {
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const start = process.hrtime.bigint();
    run();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? NaN;
}

async function main(): Promise<void> {
  const base = await loadTopologyFile('examples/rack-fire.yaml');
  const { out } = benchArgs({});
  const rows: string[] = [];
  const data: { lost: number; medianMs: number; restored: number; nodes: number }[] = [];
  let baseline = NaN;
  for (const k of [1, 10, 100]) {
    const { input, lost } = copies(base, k);
    const plan = planFailover(input);
    const ms = medianMs(() => planFailover(input), k === 100 ? 3 : 9);
    if (k === 1) baseline = ms;
    const restored = plan.restorations.filter((r) => r.outcome === 'restored').length;
    data.push({ lost, medianMs: ms, restored, nodes: plan.search.nodes });
    rows.push(
      `${String(lost).padStart(5)} lost  ${ms.toFixed(1).padStart(8)} ms  x${(ms / baseline).toFixed(1).padStart(7)}  ` +
        `${restored} restored, ${plan.search.nodes} nodes, ${plan.search.optimal ? 'optimal' : 'budget reached'}`,
    );
  }
  console.log(
    ['planner: median plan time, ratio to the 20-persona baseline of this run', ...rows].join('\n'),
  );
  console.log(`results: ${writeResults('planner', data, out)}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
