import { WorkflowFailedError } from '@temporalio/client';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { labDiskTransfer } from '../../lab/disk/lab-disk-endpoints';
import { labDisks } from '../../lab/disk/start-lab-disks';
import type { LabTiming } from '../../lab/lab-machine';
import { startWorker } from '../../worker/create-worker';
import { TASK_QUEUE } from '../../worker/task-queue';
import type { RunbookReport } from '../../workflows/runbook-report';
import { editedTopology } from './edited-topology';
import { startFullStack, type FullStack } from './full-stack';
import { LAB_SMALL } from './lab-fixtures';
import { testWorkflowBundle } from './workflow-bundle';

/** The hypervisor host of the P2V suites (it has a `hypervisor` block in lab-small). */
export const HOST = 'm-r2-03';

/**
 * lab-small, except that its cluster cluster-a trunks only its own networks (mgmt, batch), so
 * a VM's VLANs are really added to (and taken off) the host's trunks by p2v and v2p.
 */
function leanHostTopology(): string {
  return editedTopology(LAB_SMALL, 'lab-small-lean-host', (raw) => {
    const cluster = raw.clusters?.find((c) => c.name === 'cluster-a');
    if (cluster === undefined) throw new Error('lab-small has no cluster-a');
    cluster.networks = ['mgmt', 'batch'];
  });
}

/**
 * A full stack whose worker also has the lab's disk-transfer drivers (P2V helpers and array
 * volume APIs on the lab control server), with `diskBytes` local disks. `noWorker`: the test
 * runs its workers as processes (`rackshift worker --disk-transfer <stack.lab.controlUrl>`).
 */
export async function startP2vStack(
  options: {
    diskBytes?: number;
    timing?: Partial<LabTiming>;
    interceptors?: ActivityInterceptorsFactory[];
    noWorker?: boolean;
  } = {},
): Promise<FullStack> {
  const stack = await startFullStack({
    source: leanHostTopology(),
    noWorker: true,
    ...(options.timing && { timing: options.timing }),
  });
  try {
    stack.deps = { ...stack.deps, ...labDiskTransfer(stack.lab.controlUrl) };
    if (!options.noWorker)
      stack.worker = await startWorker({
        address: stack.temporal.address,
        workflowBundle: await testWorkflowBundle(),
        deps: stack.deps,
        ...(options.interceptors && { activityInterceptors: options.interceptors }),
      });
    labDisks(stack.lab).configure({ defaultSizeBytes: options.diskBytes ?? 64 * 1024 * 1024 });
  } catch (e) {
    await stack.stop();
    throw e;
  }
  return stack;
}

let seq = 0;

/**
 * Runs a runbook to its end; a failed run's report (from the failure's details) is returned as the
 * rejection's `report`.
 */
export function runbook(
  stack: FullStack,
  workflowType: string,
  idPrefix: string,
  input: Record<string, unknown>,
): Promise<RunbookReport> {
  return stack.temporal.client.workflow.execute(workflowType, {
    taskQueue: TASK_QUEUE,
    workflowId: `${idPrefix}/${String(input.persona ?? input.machine)}/t${++seq}-${Date.now()}`,
    args: [input],
  }) as Promise<RunbookReport>;
}

/** The report a failed run carries in its failure's details. */
export function failedReport(e: unknown): RunbookReport {
  if (!(e instanceof WorkflowFailedError))
    throw new Error(`expected the run to fail, got ${String(e)}`);
  return (e.cause as { details?: unknown[] }).details?.[0] as RunbookReport;
}

/** Brings m-r2-03 up as a host of cluster-a with the hypervisor-bringup runbook. */
export async function bringUpHost(stack: FullStack): Promise<void> {
  const report = await runbook(stack, 'hypervisorBringup', 'hypervisor-bringup', {
    machine: HOST,
    readyTimeoutSeconds: 60,
  });
  if (report.outcome !== 'completed') throw new Error(`host bring-up ended ${report.outcome}`);
}

/** Puts `persona` on a machine with repurpose (chosen there); returns the machine. */
export async function onMachine(
  stack: FullStack,
  persona: string,
  machine?: string,
): Promise<string> {
  const report = await runbook(stack, 'repurpose', 'repurpose', {
    persona,
    ...(machine && { machine }),
    healthTimeoutSeconds: 60,
  });
  return report.endedOn;
}

/** What the persona's health endpoint answers (its name when it is up). */
export async function healthOf(stack: FullStack, persona: string): Promise<string> {
  const check = stack.topology.personas.find((p) => p.name === persona)?.health;
  if (check?.kind !== 'http') throw new Error(`${persona} has no http health check`);
  const res = await fetch(`http://127.0.0.1:${check.port}${check.path}`);
  return res.text();
}
