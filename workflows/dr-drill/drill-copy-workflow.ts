import {
  ApplicationFailure,
  condition,
  getExternalWorkflowHandle,
  isCancellation,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { ledger } from '../activity-proxies/ledger';
import { plan } from '../activity-proxies/plan';
import { storage, storageUndo } from '../activity-proxies/storage';
import { parseWorkflowInput } from '../parse-input';
import { errorOf } from '../runbook-report';
import { RunJournal } from '../run-journal';
import type { ReplicaSnapshotTaken } from '../../activities/replication-activities';
import type { CompensationRecord } from '../saga/saga';
import { Saga } from '../saga/saga';
import { HardwareSteps, NO_CAPACITY } from '../steps/hardware-steps';
import { drillCopyInputSchema } from './drill-copy-input';
import { drillCleanupSignal, drillCopyUpSignal } from './drill-messages';
import { snapshotOfReplica } from './replica-snapshot-step';
import { drillTag } from '../../domain/drill/drill-names';
import { machineResource } from '../../inventory/ledger-records';

/** How often a held copy checks that its drill still runs (a copy must never outlive its drill). */
const PARENT_CHECK = '15s';

/** What one drill copy did: whether it came up, its steps, and its clean-up. */
export interface DrillCopyReport {
  readonly persona: string;
  readonly machine: string;
  readonly healthy: boolean;
  readonly healthyAt?: string;
  readonly steps: RunJournal['steps'];
  readonly cleanup: readonly CompensationRecord[];
  readonly leftToFix: readonly string[];
  readonly error?: { readonly type: string; readonly message: string };
  /** At the recovery site: the replica snapshots the copy ran on, and their data points. */
  readonly snapshots?: readonly ReplicaSnapshotTaken[];
}

/**
 * `drillCopy` (a child of `dr-drill`): a copy of one persona on one spare machine, inside the
 * bubble. Lease the machine, snapshot-clone the persona's LUNs (at another site: snapshot their
 * replicas there through the replication interface), give the ports the bubble VLANs
 * (unused NICs shut), mask the clones (never the production LUNs), assign the boot image with
 * the drill block (the copy sanboots its clone), PXE, power on, wait for its health check at
 * the drill's health host; tell the drill; wait for its clean-up signal; then undo every step in
 * reverse, whatever happened (success, failure or cancellation). The ledger's placements are
 * never touched: production does not move in a drill.
 */
export async function drillCopy(rawInput: unknown): Promise<DrillCopyReport> {
  const input = parseWorkflowInput('drill copy', drillCopyInputSchema, rawInput);
  const journal = new RunJournal('drill-copy');
  const saga = new Saga(journal);
  const info = workflowInfo();
  const drillRun = info.parent?.workflowId ?? info.workflowId;
  const hw = new HardwareSteps(saga, journal, info.workflowId, input.site);
  const { persona, machine } = input;
  const snapshots: ReplicaSnapshotTaken[] = [];
  let cleanupNow = false;
  setHandler(drillCleanupSignal, () => {
    cleanupNow = true;
  });
  const tell = async (
    healthy: boolean,
    error?: { type: string; message: string },
  ): Promise<void> => {
    if (info.parent === undefined) return;
    await getExternalWorkflowHandle(info.parent.workflowId).signal(drillCopyUpSignal, {
      persona,
      healthy,
      at: new Date().toISOString(),
      steps: journal.steps,
      ...(error && { error }),
      ...(snapshots.length > 0 && { snapshots }),
    });
  };

  let healthyAt: string | undefined;
  let failure: unknown;
  try {
    if (
      !(await hw.tryLease([machineResource(machine)], `drill copy of ${persona}`, [
        { machine, except: input.evicts ? [input.evicts] : [] },
      ]))
    ) {
      throw ApplicationFailure.create({
        type: NO_CAPACITY,
        nonRetryable: true,
        message: `${machine} is leased by another run`,
      });
    }
    const target = await journal.step(
      'plan-drill',
      `plan a drill copy of ${persona} on ${machine}`,
      () =>
        plan.planDrillPlacement.executeWithOptions(
          { summary: `drill copy of ${persona} on ${machine}` },
          [
            {
              persona,
              machine,
              run: drillRun,
              bubble: input.bubble,
              tag: drillTag(drillRun),
              ...(input.healthHost && { healthHost: input.healthHost }),
            },
          ],
        ),
      (p) =>
        `${p.luns.length} clone(s); ports ${p.ports.map((x) => `${x.switchId} ${x.port}`).join(', ')}`,
    );
    for (const l of target.luns) {
      if (l.replicaOf !== undefined) {
        snapshots.push(await snapshotOfReplica(saga, { ...l, replicaOf: l.replicaOf }));
        continue;
      }
      await saga.step(
        'clone',
        `snapshot clone ${l.cloneOf} as ${l.lun} on ${l.array}`,
        () =>
          storage.createSnapshotClone.executeWithOptions({ summary: `clone ${l.cloneOf}` }, [
            { array: l.array, lun: l.cloneOf, cloneId: l.lun },
          ]),
        {
          undo: {
            summary: `delete clone ${l.lun}`,
            run: () => storageUndo.deleteSnapshotClone({ array: l.array, cloneId: l.lun }),
          },
        },
      );
    }
    // The occupant must answer its health check again at clean-up, or the drill is not clean.
    if (input.evicts)
      await hw.shutDown('evict', machine, input.evictGraceSeconds, input.powerTimeoutSeconds, {
        persona: input.evicts,
        healthTimeoutSeconds: input.healthTimeoutSeconds,
      });
    await hw.configurePorts(
      'ports',
      `give ${machine}'s ports ${persona}'s bubble VLANs`,
      target.ports,
    );
    if (target.initiator !== undefined && target.luns.length > 0) {
      await hw.maskExactly('luns', target.initiator, target.luns, [
        ...new Set(target.luns.map((l) => l.array)),
      ]);
    }
    await hw.assignBoot(machine, target.macs, {
      machine,
      persona,
      image: target.image,
      drill: target.drill,
    });
    await hw.bootDevice(machine, 'pxe');
    await hw.powerOnToBoot(machine, input.powerTimeoutSeconds);
    await hw.waitHealthy(persona, input.healthTimeoutSeconds, input.healthHost);
    healthyAt = new Date().toISOString();
    await tell(true);
    await journal.step('hold', 'stay up until the drill says clean up (or has ended)', async () => {
      const until = Date.now() + input.maxUpSeconds * 1000;
      while (!cleanupNow && Date.now() < until) {
        if (await condition(() => cleanupNow, PARENT_CHECK)) break;
        // A drill cancelled while this copy was starting may close without telling it: clean up on
        // our own.
        if (
          info.parent !== undefined &&
          (await ledger.openRuns([info.parent.workflowId])).length === 0
        )
          break;
      }
    });
  } catch (e) {
    failure = e;
    if (!isCancellation(e)) await tell(false, errorOf(e));
  }
  const cleanup = await saga.compensate();
  journal.finish(failure === undefined ? 'completed' : 'failed');
  const report: DrillCopyReport = {
    persona,
    machine,
    healthy: healthyAt !== undefined,
    ...(healthyAt && { healthyAt }),
    steps: journal.steps,
    cleanup,
    leftToFix: cleanup
      .filter((c) => c.outcome === 'failed')
      .map((c) => `${c.leftToFix ?? c.undo}${c.error ? ` (${c.error})` : ''}`),
    ...(failure !== undefined && { error: errorOf(failure) }),
    ...(snapshots.length > 0 && { snapshots }),
  };
  journal.attachReport(report);
  if (failure !== undefined && isCancellation(failure)) throw failure;
  return report;
}
