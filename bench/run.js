'use strict';
/**
 * The benchmark runner. `npm run bench` lists the benchmarks; `npm run bench -- <name> [options]`
 * runs one (TypeScript through tsx, as the tests do). Each benchmark prints a table and writes
 * its JSON results under bench/results/ (or where `--out <file>` says). docs/benchmarks.md says
 * what each measures and holds the results of record.
 */
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');

const BENCHMARKS = [
  [
    'failover',
    'failover.bench.ts',
    'site-failover of N personas on the embedded stack (--personas N --profile fast|real [--scale f])',
  ],
  [
    'chart',
    'chart.ts',
    'draw docs/benchmarks/failover-<profile>.svg from the failover results of record',
  ],
  [
    'topology',
    'generate-topology.ts',
    'write a generated failover topology (--personas N --out file.yaml)',
  ],
  [
    'p2v',
    'p2v.bench.ts',
    'P2V hardware vs orchestration time, san and copy, 10/50/100 GiB (--profile real [--scale f])',
  ],
  ['planner', 'planner.bench.ts', 'failover planner time for 20, 200 and 2000 lost personas'],
  [
    'switch-batching',
    'switch-batching.bench.ts',
    '50 VLAN changes on one lab switch, batched and not',
  ],
  [
    'lun-masking',
    'lun-masking.bench.ts',
    'moving 2 LUN masks at 0, 20 and 100 ms of array latency',
  ],
];

const [name, ...args] = process.argv.slice(2);
if (name === undefined || name === '--help' || name === 'list') {
  console.log('benchmarks (npm run bench -- <name> [options]):');
  const width = Math.max(...BENCHMARKS.map(([n]) => n.length));
  for (const [n, , what] of BENCHMARKS) console.log(`  ${n.padEnd(width)}  ${what}`);
  process.exit(0);
}
const found = BENCHMARKS.find(([n]) => n === name);
if (found === undefined) {
  console.error(`unknown benchmark "${name}"; known: ${BENCHMARKS.map(([n]) => n).join(', ')}`);
  process.exit(2);
}
const run = spawnSync(process.execPath, ['--import', 'tsx', join(__dirname, found[1]), ...args], {
  stdio: 'inherit',
  cwd: join(__dirname, '..'),
});
process.exit(run.status ?? 1);
