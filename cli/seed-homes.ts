import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { findRunbook } from '../api/runbook-catalog';
import { mapLimit } from '../common/map-limit';
import type { TopologyIndex } from '../inventory/topology-index';
import type { Persona } from '../inventory/topology-schema';
import { TASK_QUEUE } from '../worker/task-queue';
import type { RunbookReport } from '../workflows/runbook-report';

/** How many homes are seeded at once: a few BMCs and switch sessions, as an operator would. */
const SEED_PARALLEL = 4;

const SEED_FILE = 'seed.json';
const markerSchema = z.strictObject({
  state: z.enum(['seeding', 'done', 'skipped']),
  at: z.string(),
});
export type SeedState = z.output<typeof markerSchema>['state'];

/** What the data folder says about seeding: undefined when the stack never started on it. */
export function seedState(dataDir: string): SeedState | undefined {
  const file = join(dataDir, SEED_FILE);
  if (!existsSync(file)) return undefined;
  const parsed = markerSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success)
    throw new Error(`${file} is not rackshift's seed marker; remove it to decide seeding again`);
  return parsed.data.state;
}

export function markSeed(dataDir: string, state: SeedState): void {
  const file = join(dataDir, SEED_FILE);
  writeFileSync(`${file}.tmp`, `${JSON.stringify({ state, at: new Date().toISOString() })}\n`, {
    mode: 0o600,
  });
  renameSync(`${file}.tmp`, file);
}

/** One home put in place: the persona, where, and how the run ended. */
export interface SeededHome {
  readonly persona: string;
  readonly where: string;
  readonly runId: string;
  readonly outcome: string;
  readonly error?: string;
}

/** Personas whose topology home is a machine, most important first (priority 1 … 5, then name). */
function machineHomes(topology: TopologyIndex): Array<Persona & { home: { machine: string } }> {
  return topology.topology.personas
    .filter(
      (p): p is Persona & { home: { machine: string } } =>
        p.home !== undefined && 'machine' in p.home,
    )
    .sort((a, b) => a.priority - b.priority || a.name.localeCompare(b.name));
}

/** Personas whose home is a VM on a hypervisor host. */
function vmHomes(topology: TopologyIndex): Persona[] {
  return topology.topology.personas.filter((p) => p.home !== undefined && 'host' in p.home);
}

/**
 * Starts the run under a fixed id, or attaches to the one a crashed start already began; resolves
 * with its report.
 */
async function runOnce(
  client: Client,
  runbook: string,
  workflowId: string,
  input: unknown,
  topology: TopologyIndex,
): Promise<RunbookReport> {
  const entry = findRunbook(runbook);
  if (entry === undefined) throw new Error(`no runbook "${runbook}"`);
  const parsed = entry.inputSchema.parse(input);
  try {
    const handle = await client.workflow.start(entry.workflowType, {
      taskQueue: TASK_QUEUE,
      workflowId,
      args: [parsed],
      typedSearchAttributes: entry.searchAttributes(parsed, topology),
      staticSummary: `seed: ${entry.name} ${JSON.stringify(parsed)}`.slice(0, 200),
    });
    return (await handle.result()) as RunbookReport;
  } catch (e) {
    if (!(e instanceof WorkflowExecutionAlreadyStartedError)) throw e;
    return (await client.workflow.getHandle(workflowId).result()) as RunbookReport;
  }
}

/**
 * A cluster's resting hosts (`clusters[].hosts`) are brought up as its hosts through the real
 * `hypervisor-bringup`, so the ledger records them as the lab runs them. Placing a VM persona
 * on its home host needs a runbook that starts a persona as a VM from nothing, which rackshift
 * does not have yet (p2v moves one from a machine), so those personas are reported not seeded.
 */
async function seedVmHomes(
  client: Client,
  topology: TopologyIndex,
  log: (line: string) => void,
): Promise<SeededHome[]> {
  const hosts = topology.topology.clusters
    .flatMap((c) => c.hosts.map((machine) => ({ machine, cluster: c.name })))
    .sort((a, b) => a.machine.localeCompare(b.machine));
  const up = await mapLimit(hosts, SEED_PARALLEL, async ({ machine, cluster }) => {
    const runId = `hypervisor-bringup/${machine}/seed`;
    try {
      const report = await runOnce(
        client,
        'hypervisor-bringup',
        runId,
        { machine, cluster, readyTimeoutSeconds: 300 },
        topology,
      );
      return { host: machine, runId, outcome: report.outcome };
    } catch (e) {
      return { host: machine, runId, outcome: 'failed', error: (e as Error).message };
    }
  });
  for (const h of up)
    log(`seed: hypervisor host ${h.host}: ${h.outcome}${'error' in h ? ` (${h.error})` : ''}`);
  return vmHomes(topology).map((p) => {
    const host = (p.home as { host: string }).host;
    const hostRun = up.find((h) => h.host === host);
    return {
      persona: p.name,
      where: `vm@${host}`,
      runId: hostRun?.runId ?? '',
      outcome: 'not-seeded',
      error: 'no runbook starts a persona as a VM from nothing; move it there with p2v',
    };
  });
}

/**
 * Makes a fresh lab an existing data center: every persona goes to its topology home through
 * the real `repurpose` runbook (ports, masks, boot assignment, power-on, health, and the
 * ledger's placement, all through the same drivers and Updates as any run), most important
 * first, SEED_PARALLEL at a time. Run ids are fixed (`repurpose/<persona>/seed`), so a stack
 * killed mid-seed attaches to the same runs on its next start instead of starting twins.
 */
export async function seedHomes(
  client: Client,
  topology: TopologyIndex,
  log: (line: string) => void,
): Promise<SeededHome[]> {
  const homes = machineHomes(topology);
  log(
    `seed: putting ${homes.length} persona(s) on their home machines (${SEED_PARALLEL} at a time)…`,
  );
  const seeded = await mapLimit(homes, SEED_PARALLEL, async (p): Promise<SeededHome> => {
    const runId = `repurpose/${p.name}/seed`;
    try {
      const report = await runOnce(
        client,
        'repurpose',
        runId,
        { persona: p.name, machine: p.home.machine, healthTimeoutSeconds: 300 },
        topology,
      );
      return { persona: p.name, where: p.home.machine, runId, outcome: report.outcome };
    } catch (e) {
      return {
        persona: p.name,
        where: p.home.machine,
        runId,
        outcome: 'failed',
        error: (e as Error).message,
      };
    }
  });
  for (const s of seeded.filter((x) => x.outcome !== 'completed'))
    log(
      `seed: ${s.persona} on ${s.where}: ${s.outcome}${s.error ? ` (${s.error})` : ''}; see run ${s.runId}`,
    );
  return [...seeded, ...(await seedVmHomes(client, topology, log))];
}
