/**
 * The plain, non-durable baseline of `failover` (docs/benchmarks.md): one process runs the
 * `site-failover` workflow code itself, with `@temporalio/workflow` replaced by the stand-in
 * (bench/plain/workflow-stand-in.ts), the activities the worker registers called directly (same
 * drivers, same lab), and the site ledgers in memory (bench/plain/memory-ledger.ts), which also
 * serve the lab machines' boot scripts. Same plan (the same planner activity), same per-persona
 * steps, same concurrency gate, no Temporal: no history, no retries, nothing survives a crash.
 * Started by bench/plain/plain-baseline.ts with the path of a JSON request; writes a JSON result.
 */
import './use-stand-in';
import express from 'express';
import { readFile, writeFile } from 'node:fs/promises';
import { createActivities } from '../../activities/create-activities';
import { LedgerBootAssignments } from '../../api/ledger-boot-assignments';
import { listen } from '../../api/listen';
import { createBootRouter } from '../../api/routes/boot';
import { EnvAndFileSecretStore } from '../../common/secrets';
import { loadTopologyFile } from '../../inventory/load-topology';
import { TopologyIndex } from '../../inventory/topology-index';
import { labDiskTransfer } from '../../lab/disk/lab-disk-endpoints';
import { realActivityDeps } from '../../worker/worker-deps';
import * as workflows from '../../workflows';
import type { FailoverReport } from '../../workflows/site-failover/failover-report';
import { MemoryLedger } from './memory-ledger';
import type { PlainRequest, PlainResult } from './plain-baseline';
import {
  configurePlainRuntime,
  plainOpenRuns,
  runPlainWorkflow,
  type PlainActivityCall,
} from './workflow-stand-in';

async function main(): Promise<void> {
  const request = JSON.parse(await readFile(process.argv[2]!, 'utf8')) as PlainRequest;
  const topology = await loadTopologyFile(request.topologyFile);
  const secrets = new EnvAndFileSecretStore(process.env, request.secretsFile);
  const ledger = new MemoryLedger((holder) => plainOpenRuns().has(holder));
  const index = new TopologyIndex(topology);
  const boot = express();
  boot.use(
    createBootRouter({
      topology: index,
      assignments: new LedgerBootAssignments(index, ledger),
      allowFrom: ['127.0.0.1', '::1'],
      secrets,
    }),
  );
  const server = await listen(boot, { host: '127.0.0.1', port: request.bootPort });
  const deps = {
    ...realActivityDeps(topology, secrets, ledger),
    ...labDiskTransfer(request.labControlUrl),
  };
  const calls: PlainActivityCall[] = [];
  configurePlainRuntime({
    activities: createActivities(deps),
    workflows,
    onActivity: (c) => calls.push(c),
  });
  const cpuBefore = process.cpuUsage();
  const started = Date.now();
  let result: PlainResult;
  try {
    const report = (await runPlainWorkflow('siteFailover', request.workflowId, [
      request.input,
    ])) as FailoverReport;
    const cpu = process.cpuUsage(cpuBefore);
    result = {
      ok: true,
      wallMs: Date.now() - started,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      peakRssMiB: process.resourceUsage().maxRSS / 1024,
      report,
      activities: calls,
    };
  } catch (e) {
    result = {
      ok: false,
      wallMs: Date.now() - started,
      error: (e as Error).stack ?? String(e),
      activities: calls,
    };
  }
  await writeFile(request.out, JSON.stringify(result));
  await deps.close();
  await server.stop();
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
