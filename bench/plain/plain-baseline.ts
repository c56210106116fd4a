import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Topology } from '../../inventory/topology-schema';
import { startLab } from '../../lab/start-lab';
import type { FailoverReport } from '../../workflows/site-failover/failover-report';
import { applyLabProfile, labTiming } from '../lab-profile';
import type { LatencyProfile } from '../latency-profiles';
import type { PlainActivityCall } from './workflow-stand-in';

/** What bench/plain/plain-failover.ts is asked to run (a JSON file; its path is the argument). */
export interface PlainRequest {
  readonly topologyFile: string;
  readonly secretsFile: string;
  readonly labControlUrl: string;
  /** Where the plain process serves the lab machines' boot scripts from its in-memory ledger. */
  readonly bootPort: number;
  readonly workflowId: string;
  readonly input: unknown;
  readonly out: string;
}

export type PlainResult = (
  | {
      ok: true;
      wallMs: number;
      /** CPU of the plain process during the run; its peak RSS over its whole life. */
      cpuSeconds: number;
      peakRssMiB: number;
      report: FailoverReport;
    }
  | { ok: false; wallMs: number; error: string }
) & { activities: PlainActivityCall[] };

/**
 * Runs the plain baseline of a failover on a fresh lab of the same topology and profile: starts
 * the lab here (as the embedded stack does for the durable run), burns the racks, and runs the
 * failover in a process of its own (bench/plain/plain-failover.ts).
 */
export async function runPlainBaseline(options: {
  topology: Topology;
  topologyFile: string;
  dataDir: string;
  profile: LatencyProfile;
  lostRacks: readonly string[];
  input: Record<string, unknown>;
  bootPort: number;
  labPort: number;
  workflowId: string;
}): Promise<PlainResult> {
  const lab = await startLab({
    topology: options.topology,
    dataDir: join(options.dataDir, 'lab'),
    apiBaseUrl: `http://127.0.0.1:${options.bootPort}`,
    controlPort: options.labPort,
    timing: labTiming(options.profile),
  });
  try {
    applyLabProfile(lab, options.topology, options.profile);
    for (const rack of options.lostRacks) lab.burnRack(rack);
    const requestFile = join(options.dataDir, 'plain-request.json');
    const out = join(options.dataDir, 'plain-result.json');
    const request: PlainRequest = {
      topologyFile: options.topologyFile,
      secretsFile: lab.secretsFile,
      labControlUrl: lab.controlUrl,
      bootPort: options.bootPort,
      workflowId: options.workflowId,
      input: options.input,
      out,
    };
    await writeFile(requestFile, JSON.stringify(request));
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(__dirname, 'plain-failover.ts'), requestFile],
      { stdio: ['ignore', 'inherit', 'inherit'] },
    );
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    if (code !== 0) throw new Error(`the plain failover process exited with ${code}`);
    return JSON.parse(await readFile(out, 'utf8')) as PlainResult;
  } finally {
    await lab.stop();
  }
}
