import { ApplicationFailure, proxyActivities, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { MACHINE_KEY, PERSONA_KEY, SITE_KEY } from '../../temporal/search-attributes';
import { planOp } from '../activity-profiles';
import { parseWorkflowInput } from '../parse-input';
import type { RunbookActivities } from '../runbook-activities';
import { runSaga, type RunbookReport } from '../runbook-report';
import { RunJournal } from '../run-journal';
import { Saga } from '../saga/saga';
import { bringUpOnMachine } from '../steps/bring-up-on-machine';
import { HardwareSteps, NO_CAPACITY } from '../steps/hardware-steps';
import { waitForHypervisor } from '../steps/wait-for-hypervisor';
import { hypervisorBringupInputSchema } from './hypervisor-bringup-input';

const plan = proxyActivities<RunbookActivities>(planOp);

/**
 * `hypervisor-bringup`: make a machine a hypervisor host of a cluster. The cluster is a
 * hypervisor persona (inventory/hypervisor-cluster): the host is that persona's machine, so it
 * gets the persona's networks as VLAN trunks, exactly the persona's (shared) LUNs masked to its
 * initiator, and boots the persona's hypervisor image. Lease the machine and the cluster
 * persona (and an evicted occupant), then the same steps as repurpose up to power-on; "up" is
 * the host's libvirt answering. The ledger then places the cluster persona on the machine and
 * records the machine's role as 'hypervisor', which keeps repurpose from choosing it.
 */
export async function hypervisorBringup(rawInput: unknown): Promise<RunbookReport> {
  const input = parseWorkflowInput('hypervisor-bringup', hypervisorBringupInputSchema, rawInput);
  const journal = new RunJournal('hypervisor-bringup');
  const saga = new Saga(journal);
  const holder = workflowInfo().workflowId;
  const machine = input.machine;
  let steps: HardwareSteps | undefined;

  return runSaga('hypervisor-bringup', journal, saga, input.cluster, async () => {
    const host = await journal.step(
      'plan-host',
      `what ${machine} needs to host ${input.cluster ?? "its site's cluster"}`,
      () => plan.planHypervisorHost.executeWithOptions({ summary: `plan ${machine} as a hypervisor host` }, [{ machine, ...(input.cluster && { cluster: input.cluster }) }]),
      (h) => `cluster ${h.cluster}: ${h.placement.ports.length} port(s) to trunk, LUNs ${h.placement.luns.map((l) => l.lun).join(', ') || 'none'}, image ${h.placement.image}`,
    );
    const cluster = host.cluster;

    const list = await journal.step(
      'check-machine',
      `can ${machine} host ${cluster}`,
      () => plan.findCandidates.executeWithOptions({ summary: `candidates for ${cluster}` }, [{ persona: cluster, allowEvict: input.allowEvict }]),
      (l) => (l.candidates.some((c) => c.machine === machine) ? 'yes' : 'no'),
    );
    const fit = list.candidates.find((c) => c.machine === machine);
    if (fit === undefined) {
      const why = list.rejected.find((r) => r.machine === machine)?.reason ?? 'not a candidate';
      throw ApplicationFailure.create({ type: NO_CAPACITY, nonRetryable: true, message: `${machine} cannot host ${cluster}: ${why}` });
    }

    const where = await journal.step(
      'locate',
      `where does ${cluster} run now`,
      () => plan.locatePersona.executeWithOptions({ summary: `locate ${cluster}` }, [{ persona: cluster }]),
      (w) => w.placements.map((p) => (p.placement.kind === 'machine' ? `on ${p.placement.machine}` : `as a VM on ${p.placement.host}`)).join('; ') || 'nowhere',
    );
    // The ledger keeps one placement per persona: a second host needs a second hypervisor persona.
    const elsewhere = where.placements.find((p) => !(p.placement.kind === 'machine' && p.placement.machine === machine));
    if (elsewhere !== undefined) {
      const at = elsewhere.placement.kind === 'machine' ? elsewhere.placement.machine : `a VM on ${elsewhere.placement.host}`;
      throw ApplicationFailure.create({
        type: 'ValidationError',
        nonRetryable: true,
        message: `cluster ${cluster} already runs on ${at}; release it first, or declare another hypervisor persona (same networks and shared LUNs) for a second host`,
      });
    }

    steps = new HardwareSteps(saga, journal, holder, host.site);
    const resources = [`machine:${machine}`, `persona:${cluster}`, ...(fit.evicts ? [`persona:${fit.evicts}`] : [])];
    if (!(await steps.tryLease(resources, `make ${machine} a host of ${cluster}`))) {
      throw ApplicationFailure.create({ type: NO_CAPACITY, nonRetryable: true, message: `${machine} or ${cluster} is leased by another run` });
    }
    upsertSearchAttributes([
      { key: SITE_KEY, value: host.site },
      { key: MACHINE_KEY, value: [machine] },
      { key: PERSONA_KEY, value: [cluster, ...(fit.evicts ? [fit.evicts] : [])] },
    ]);

    await bringUpOnMachine(steps, {
      persona: cluster,
      plan: host.placement,
      ...(fit.evicts && { evicts: fit.evicts }),
      evictGraceSeconds: input.evictGraceSeconds,
      powerTimeoutSeconds: input.powerTimeoutSeconds,
      role: 'hypervisor',
      waitUp: () => waitForHypervisor(journal, machine, input.readyTimeoutSeconds),
    });
    return machine;
  }, async () => {
    await steps?.releaseAll();
  });
}
