/**
 * How fast a site fails over, and what rackshift adds to the hardware's time. A generated
 * topology of N lost personas (bench/failover-topology.ts) runs on the embedded stack
 * (cli/dev-stack: Temporal dev server on SQLite, the lab, the API) with the worker in its own
 * process; the lost racks burn and `site-failover` starts through the API. Printed: wall time,
 * RTO per priority group, the critical path of the plan under the profile's latencies and the
 * plan's concurrency limits (bench/critical-path.ts), activities and workflow tasks per second,
 * CPU and peak RSS of the worker and of the Temporal server, and the runs' history sizes.
 * Run: npm run bench -- failover --personas 20 --profile fast [--scale 0.1] [--out file]
 *   [--worker-cache N] (the worker's --max-cached-workflows) [--source-worker] (tsx, not the
 *   build: run `npm run build` first, or the worker runs stale code) [--baseline plain]
 */
import { Client } from '@temporalio/client';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDevStack } from '../cli/dev-stack';
import { textTable } from '../cli/text-table';
import { loadTopologyFile } from '../inventory/load-topology';
import { connectTemporal } from '../temporal/connect';
import { ledgerWorkflowId } from '../temporal/ledger-client';
import { spawnWorker } from '../test/support/worker-process';
import { NAMESPACE } from '../worker/task-queue';
import { progressQuery } from '../workflows/run-journal';
import type { FailoverReport } from '../workflows/site-failover/failover-report';
import { benchArgs } from './bench-args';
import { writeResults } from './bench-results';
import { tallyLedger } from './ledger-tally';
import { criticalPath, plannedMoves, type CriticalPath } from './critical-path';
import { failoverTopology } from './failover-topology';
import { freeBlock } from './free-block';
import { writeFailoverTopology } from './generate-topology';
import { applyLabProfile, labTiming } from './lab-profile';
import { latencyProfile, scaledProfile } from './latency-profiles';
import { runPlainBaseline, type PlainResult } from './plain/plain-baseline';
import { childPids, watchProcess } from './proc-stats';

interface HistoryTally {
  /** The longest workflow task (started to completed): the planner's, in a failover run. */
  longestWorkflowTaskMs: number;
  /**
   * The workflow task after the first activity (detect) completed: in a failover run, the one
   * that runs the planner.
   */
  planTaskMs: number;
  events: number;
  bytes: number;
  workflowTasks: number;
  activities: number;
  runs: number;
}

async function tallyHistories(client: Client, ids: readonly string[]): Promise<HistoryTally> {
  const tally: HistoryTally = {
    longestWorkflowTaskMs: 0,
    planTaskMs: 0,
    events: 0,
    bytes: 0,
    workflowTasks: 0,
    activities: 0,
    runs: 0,
  };
  for (const id of ids) {
    const handle = client.workflow.getHandle(id);
    const described = await handle.describe();
    const history = await handle.fetchHistory();
    tally.runs += 1;
    tally.events += described.historyLength;
    tally.bytes += described.historySize ?? 0;
    let taskStarted: number | undefined;
    let detected = false;
    let planned = false;
    const at = (t: unknown): number => {
      const ts = t as { seconds?: { toNumber(): number } | number; nanos?: number } | null;
      const seconds = typeof ts?.seconds === 'number' ? ts.seconds : (ts?.seconds?.toNumber() ?? 0);
      return seconds * 1000 + (ts?.nanos ?? 0) / 1e6;
    };
    for (const e of history.events ?? []) {
      if (e.workflowTaskStartedEventAttributes) taskStarted = at(e.eventTime);
      if (e.workflowTaskCompletedEventAttributes) {
        tally.workflowTasks += 1;
        if (taskStarted !== undefined) {
          const ms = at(e.eventTime) - taskStarted;
          tally.longestWorkflowTaskMs = Math.max(tally.longestWorkflowTaskMs, ms);
          if (detected && !planned) {
            tally.planTaskMs = Math.max(tally.planTaskMs, ms);
            planned = true;
          }
        }
      }
      if (e.activityTaskCompletedEventAttributes || e.activityTaskFailedEventAttributes) {
        tally.activities += 1;
        detected = true;
      }
    }
  }
  return tally;
}

/** What the dev server logged as failed, by error text: contention shows up here first. */
async function serverErrors(logFile: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  const text = await readFile(logFile, 'utf8').catch(() => '');
  for (const m of text.matchAll(/"error":"([^"]{0,160})/g)) {
    const key = m[1]!.replace(/\(\d+\)/, '(n)');
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

const sec = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** Per step name of the moves' runbooks: how many, median and total time, longest total first. */
function stepTimes(
  report: FailoverReport,
): { step: string; n: number; medianMs: number; totalMs: number }[] {
  const by = new Map<string, number[]>();
  for (const p of report.personas)
    for (const s of p.steps) {
      const ms = Date.parse(s.endedAt ?? s.startedAt) - Date.parse(s.startedAt);
      by.set(s.name, [...(by.get(s.name) ?? []), ms]);
    }
  return [...by]
    .map(([step, times]) => {
      const sorted = [...times].sort((a, b) => a - b);
      return {
        step,
        n: times.length,
        medianMs: sorted[Math.floor(sorted.length / 2)] ?? 0,
        totalMs: times.reduce((a, b) => a + b, 0),
      };
    })
    .sort((a, b) => b.totalMs - a.totalMs);
}

/**
 * Each move as it ran beside the critical path's schedule of it (ms from the run's start), with
 * its steps: where the time between the critical path and the wall goes.
 */
function timeline(report: FailoverReport, started: number, path: CriticalPath) {
  const at = (iso: string | undefined): number | undefined =>
    iso === undefined ? undefined : Date.parse(iso) - started;
  const planned = new Map(path.moves.map((m) => [m.id, m]));
  return [
    ...report.hosts.map((h) => ({
      id: `host:${h.machine}`,
      startedAt: h.startedAt,
      endedAt: h.endedAt,
      steps: [] as FailoverReport['personas'][number]['steps'],
    })),
    ...report.personas.map((p) => ({
      id: p.persona,
      startedAt: p.startedAt,
      endedAt: p.endedAt,
      steps: p.steps,
    })),
  ].flatMap((m) => {
    const plan = planned.get(m.id);
    if (plan === undefined || m.startedAt === undefined) return [];
    return [
      {
        id: m.id,
        critical: [plan.startMs, plan.endMs],
        ran: [at(m.startedAt), at(m.endedAt)],
        steps: m.steps.map((s) => [s.name, at(s.startedAt), at(s.endedAt ?? s.startedAt)]),
      },
    ];
  });
}

/** The plain baseline's rows: its wall time, and the price of durability (rackshift / plain). */
function plainRows(r: PlainResult, wallMs: number): string[][] {
  if (!r.ok) return [['plain script', `failed after ${sec(r.wallMs)}: ${r.error.split('\n')[0]}`]];
  const restored = r.report.personas.filter((p) => p.outcome === 'restored').length;
  return [
    ['plain script: outcome', `${r.report.outcome}: ${restored} restored`],
    ['plain script: wall', sec(r.wallMs)],
    ['rackshift / plain script', (wallMs / r.wallMs).toFixed(2)],
    ['plain script: CPU, peak RSS', `${r.cpuSeconds.toFixed(1)} s, ${r.peakRssMiB.toFixed(0)} MiB`],
    ['plain script: activities', String(r.activities.length)],
  ];
}

function plainFigures(r: PlainResult, wallMs: number, path: CriticalPath) {
  if (!r.ok) return { ok: false, wallMs: r.wallMs, error: r.error };
  return {
    ok: true,
    outcome: r.report.outcome,
    restored: r.report.personas.filter((p) => p.outcome === 'restored').length,
    wallMs: r.wallMs,
    ratio: wallMs / r.wallMs,
    cpuSeconds: r.cpuSeconds,
    peakRssMiB: r.peakRssMiB,
    activities: r.activities.filter((a) => !a.local).length,
    localActivities: r.activities.filter((a) => a.local).length,
    groups: r.report.groups.map((g) => ({ priority: g.priority, rtoSeconds: g.rtoSeconds })),
    moveSteps: stepTimes(r.report),
    timeline: timeline(r.report, Date.parse(r.report.startedAt), path),
  };
}

async function main(): Promise<void> {
  const args = benchArgs({
    personas: { type: 'string' },
    profile: { type: 'string' },
    scale: { type: 'string' },
    'in-flight-updates': { type: 'string' },
    'deadline-minutes': { type: 'string' },
    pragmas: { type: 'string' },
    'worker-cache': { type: 'string' },
    'source-worker': { type: 'boolean' },
    baseline: { type: 'string' },
  });
  if (args.baseline !== undefined && args.baseline !== 'plain')
    throw new Error(`--baseline must be "plain", not "${String(args.baseline)}"`);
  const workerCache = args['worker-cache'] === undefined ? undefined : String(args['worker-cache']);
  // The built worker (bin/rackshift.js with the prebuilt bundle) is what a host runs; from source
  // the worker bundles at start and runs under tsx (about 190 MiB more at its peak).
  const built = args['source-worker'] !== true;
  const inFlight =
    args['in-flight-updates'] === undefined ? undefined : Number(args['in-flight-updates']);
  const pragmas = args.pragmas === undefined ? undefined : String(args.pragmas).split(',');
  const n = Number(args.personas ?? '20');
  const scale = Number(args.scale ?? '1');
  const profile = scaledProfile(latencyProfile(String(args.profile ?? 'fast')), scale);
  const ports = failoverTopology({ personas: n, basePort: 0 }).ports;
  const basePort = await freeBlock(ports + 4);
  const dir = await mkdtemp(join(tmpdir(), 'rackshift-bench-failover-'));
  const topologyFile = join(dir, 'topology.yaml');
  const { lostRacks } = await writeFailoverTopology(topologyFile, n, basePort);
  const topology = await loadTopologyFile(topologyFile);
  const log: string[] = [];
  const setupStart = Date.now();
  const stack = await startDevStack({
    dataDir: join(dir, 'data'),
    topologyFile,
    apiPort: basePort + ports,
    temporalPort: basePort + ports + 1,
    uiPort: basePort + ports + 2,
    labPort: basePort + ports + 3,
    lab: true,
    worker: false,
    seed: false,
    guard: false,
    labTiming: labTiming(profile),
    log: (line) => log.push(line),
    devServer: {
      ...(inFlight !== undefined && { dynamicConfig: { 'history.maxInFlightUpdates': inFlight } }),
      ...(pragmas !== undefined && { pragmas }),
    },
  });
  const lab = stack.lab!;
  let worker: Awaited<ReturnType<typeof spawnWorker>> | undefined;
  const connection = await connectTemporal({ address: stack.temporalAddress });
  try {
    applyLabProfile(lab, topology, profile);
    worker = await spawnWorker({
      temporal: stack.temporalAddress,
      topologyFile,
      secretsFile: lab.secretsFile,
      args: [
        '--disk-transfer',
        lab.controlUrl,
        '--shutdown-grace',
        '2',
        ...(workerCache === undefined ? [] : ['--max-cached-workflows', workerCache]),
      ],
      built,
    });
    const client = new Client({ connection, namespace: NAMESPACE });
    const temporalPid = childPids(process.pid, 'temporal')[0];
    const setupMs = Date.now() - setupStart;

    for (const rack of lostRacks) lab.burnRack(rack);
    const watchWorker = watchProcess(worker.child.pid!);
    const watchTemporal = temporalPid === undefined ? undefined : watchProcess(temporalPid);
    const input = {
      racks: lostRacks,
      probe: false,
      healthTimeoutSeconds: 1800,
      powerTimeoutSeconds: 600,
    };
    const started = Date.now();
    const res = await fetch(`${stack.apiUrl}/api/v1/runbooks/site-failover/runs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ input }),
    });
    if (res.status !== 202) throw new Error(`start refused: ${res.status} ${await res.text()}`);
    const { runId } = (await res.json()) as { runId: string };
    const deadlineMs = Number(args['deadline-minutes'] ?? '60') * 60_000;
    const handle = client.workflow.getHandle(runId);
    let timer: NodeJS.Timeout | undefined;
    const report = await Promise.race([
      handle.result() as Promise<FailoverReport>,
      new Promise<undefined>(
        (resolve) => (timer = setTimeout(() => resolve(undefined), deadlineMs)),
      ),
    ]);
    clearTimeout(timer);
    if (report === undefined) {
      // Out of time: what the run had done, for the record, then the run is terminated.
      const progress = await handle.query(progressQuery).catch(() => undefined);
      const done = (progress?.report as FailoverReport | undefined)?.personas ?? [];
      const file = writeResults(
        `failover-${n}-${profile.name}-unfinished`,
        {
          personas: n,
          profile,
          scale,
          unfinishedAfterMs: Date.now() - started,
          steps: progress?.steps.map((x) => ({
            name: x.name,
            startedAt: x.startedAt,
            endedAt: x.endedAt,
          })),
          restoredSoFar: done.filter((p) => p.outcome === 'restored').length,
          worker: watchWorker.stop(),
          temporal: watchTemporal?.stop(),
          serverErrors: await serverErrors(join(dir, 'data', 'logs', 'temporal.log')),
        },
        args.out,
      );
      await handle.terminate('benchmark deadline');
      console.log(`not finished after ${args['deadline-minutes'] ?? 60} min; results: ${file}`);
      return;
    }
    const wallMs = Date.now() - started;
    const workerUse = watchWorker.stop();
    const temporalUse = watchTemporal?.stop();

    const plan = report.plan!;
    const path = criticalPath(plannedMoves(plan, topology, {}, profile));
    const children = [...report.personas, ...report.hosts].flatMap((x) =>
      'run' in x && x.run ? [x.run] : [],
    );
    const histories = await tallyHistories(client, [runId, ...children]);
    const parent = await tallyHistories(client, [runId]);
    const ledger = await tallyHistories(client, [ledgerWorkflowId('dc1')]);
    const ledgerWork = await tallyLedger(client, ledgerWorkflowId('dc1'));
    const planStep = (report as { steps?: { name: string; startedAt: string; endedAt?: string }[] })
      .steps;
    const restored = report.personas.filter((p) => p.outcome === 'restored').length;
    const failed = report.personas.filter((p) => p.outcome === 'failed' || p.outcome === 'skipped');
    const wallS = wallMs / 1000;
    const rows = [
      ['personas lost', String(n)],
      ['profile', `${profile.name}${scale !== 1 ? ` x${scale}` : ''}`],
      ['outcome', `${report.outcome}: ${restored} restored, ${failed.length} failed`],
      ['wall', sec(wallMs)],
      ['critical path', sec(path.totalMs)],
      ['wall / critical path', (wallMs / path.totalMs).toFixed(2)],
      ...report.groups.map((g) => [
        `RTO priority ${g.priority}`,
        `${g.rtoSeconds?.toFixed(1) ?? '-'} s (critical ${sec(path.groups.find((x) => x.priority === g.priority)?.endMs ?? NaN)})`,
      ]),
      ['activities / s', (histories.activities / wallS).toFixed(1)],
      ['workflow tasks / s', ((histories.workflowTasks + ledger.workflowTasks) / wallS).toFixed(1)],
      [
        'worker CPU, peak RSS',
        `${workerUse.cpuSeconds.toFixed(1)} s, ${workerUse.peakRssMiB.toFixed(0)} MiB`,
      ],
      [
        'Temporal CPU, peak RSS',
        temporalUse
          ? `${temporalUse.cpuSeconds.toFixed(1)} s, ${temporalUse.peakRssMiB.toFixed(0)} MiB`
          : 'not found',
      ],
      [
        'history: failover run',
        `${(await client.workflow.getHandle(runId).describe()).historyLength} events`,
      ],
      [
        'history: all runs',
        `${histories.runs} runs, ${histories.events} events, ${(histories.bytes / 1024).toFixed(0)} KiB`,
      ],
      [
        'workflow task that plans; longest of the run',
        `${parent.planTaskMs.toFixed(0)} ms; ${parent.longestWorkflowTaskMs.toFixed(0)} ms`,
      ],
      ['history: ledger', `${ledger.events} events, ${(ledger.bytes / 1024).toFixed(0)} KiB`],
      [
        'ledger, all runs',
        `${ledgerWork.runs} runs, ${ledgerWork.events} events, ${ledgerWork.workflowTasks} workflow tasks, ${Object.values(ledgerWork.updates).reduce((a, b) => a + b, 0)} Updates (${Object.values(ledgerWork.failedUpdates).reduce((a, b) => a + b, 0)} failed)`,
      ],
      ['setup (stack, lab, worker)', sec(setupMs)],
    ];
    let plain: PlainResult | undefined;
    if (args.baseline === 'plain') {
      // The durable stack is stopped first: the plain run gets the machine to itself too.
      await worker.kill('SIGTERM');
      worker = undefined;
      await stack.stop();
      plain = await runPlainBaseline({
        topology,
        topologyFile,
        dataDir: join(dir, 'plain'),
        profile,
        lostRacks,
        input,
        bootPort: basePort + ports,
        labPort: basePort + ports + 3,
        workflowId: `site-failover/${lostRacks.join('+')}/plain`,
      });
      rows.push(...plainRows(plain, wallMs));
    }
    console.log(textTable(['site-failover', 'measured'], rows));
    const steps = stepTimes(report);
    console.log(
      textTable(
        ['step (moves)', 'n', 'median', 'total'],
        steps.slice(0, 8).map((x) => [x.step, String(x.n), sec(x.medianMs), sec(x.totalMs)]),
      ),
    );
    if (failed.length > 0)
      console.log(
        `failed: ${failed
          .slice(0, 5)
          .map((p) => `${p.persona}: ${'error' in p ? JSON.stringify(p.error) : p.reason}`)
          .join('; ')}`,
      );
    const errors = await serverErrors(join(dir, 'data', 'logs', 'temporal.log'));
    for (const [text, count] of Object.entries(errors)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 4))
      console.log(`dev server: ${count} x ${text}`);
    const file = writeResults(
      `failover-${n}-${profile.name}`,
      {
        personas: n,
        profile,
        scale,
        devServer: { inFlightUpdates: inFlight ?? 'default (10)', pragmas: pragmas ?? 'default' },
        workerProcess: {
          from: built ? 'build' : 'source (tsx, bundles at start)',
          maxCachedWorkflows: workerCache ?? 'SDK default',
        },
        serverErrors: errors,
        outcome: report.outcome,
        restored,
        failed: failed.length,
        wallMs,
        criticalPathMs: path.totalMs,
        criticalGroups: path.groups,
        timeline: timeline(report, started, path),
        groups: report.groups.map((g) => ({ priority: g.priority, rtoSeconds: g.rtoSeconds })),
        histories,
        parent,
        ledger,
        ledgerWork,
        worker: workerUse,
        temporal: temporalUse,
        setupMs,
        runSteps: planStep,
        moveSteps: steps,
        ...(plain && { plain: plainFigures(plain, wallMs, path) }),
      },
      args.out,
    );
    console.log(`results: ${file}`);
  } finally {
    await worker?.kill('SIGTERM');
    await connection.close();
    await stack.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
