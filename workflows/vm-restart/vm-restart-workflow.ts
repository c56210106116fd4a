import { ApplicationFailure, patched, upsertSearchAttributes } from '@temporalio/workflow';
import { MACHINE_KEY, PERSONA_KEY, SITE_KEY } from '../../temporal/search-attributes';
import { personaResource } from '../../inventory/ledger-records';
import type { RunbookReport } from '../runbook-report';
import { noCapacity, runRunbook } from '../runbook-run';
import { fenceDeadMachine, fencePowerAndPorts, ONE_FENCE_PATCH } from '../steps/fence-source';
import { vmSource } from '../steps/persona-source';
import { VmSteps } from '../steps/vm-steps';
import { vmRestartInputSchema } from './vm-restart-input';

/**
 * `vm-restart`: a VM whose hypervisor host died is started again on another host from its SAN
 * LUNs, as an HA cluster restarts VMs (it is no migration: the old host cannot be asked for
 * anything). The dead host is fenced before the VM starts anywhere (fenceDeadMachine: with `fence:
 * full` powered off if its BMC answers and its ports shut; always the persona's LUNs unmasked from
 * its initiator; the host recorded unhealthy, still a host of its cluster), so two copies never
 * write one LUN. Then, as p2v does for a VM: the new host's trunks gain the persona's VLANs and the
 * VM is defined under the host's lease, the LUNs are masked to the new host, the VM starts, answers
 * its health check, and the ledger places it there. Every undo is registered before its step; the
 * fence is never undone.
 */
export function vmRestart(rawInput: unknown): Promise<RunbookReport> {
  return runRunbook('vm-restart', vmRestartInputSchema, rawInput, 'persona', async (input, run) => {
    const { journal, saga, stepsAt } = run;
    const persona = input.persona;
    const { host: dead, site } = await vmSource(journal, persona, input.from);
    if (input.host === dead)
      throw ApplicationFailure.create({
        type: 'ValidationError',
        nonRetryable: true,
        message: `input.host: ${dead} is the host ${persona} ran on, which is gone`,
      });
    const hw = stepsAt(site);
    const vm = new VmSteps(saga, journal, hw);
    const { host } = await vm.chooseHost(persona, site, input.host);
    // The dead host is not leased: a failover restarts its VMs in parallel, each fencing only
    // its own LUNs (idempotent); the host-wide fence is the failover's, once.
    if (!(await hw.tryLease([personaResource(persona)], `restart ${persona} on ${host}`)))
      throw noCapacity(`${persona} is leased by another run`);
    upsertSearchAttributes([
      { key: SITE_KEY, value: site },
      { key: MACHINE_KEY, value: [dead, host] },
      { key: PERSONA_KEY, value: [persona] },
    ]);

    const oneFence = patched(ONE_FENCE_PATCH);
    if (oneFence)
      await fenceDeadMachine(journal, {
        machine: dead,
        site,
        holder: hw.holder,
        full: input.fence === 'full',
        luns: () => hw.planPlacement(persona, dead),
      });
    else {
      if (input.fence === 'full') await fencePowerAndPorts(journal, dead);
      const from = await hw.planPlacement(persona, dead);
      if (from.initiator !== undefined) await hw.unmask('fence-source', from.initiator, from.luns);
    }
    const at = await vm.planVm(persona, host);
    await vm.onHost(host, `trunk ${persona}'s VLANs and define its VM`, async () => {
      await vm.recheckRoom(persona, host);
      await vm.addHostVlans(host, persona);
      await vm.defineVm(host, persona);
    });
    if (at.luns.length > 0) {
      if (at.initiator === undefined)
        throw ApplicationFailure.create({
          type: 'ValidationError',
          nonRetryable: true,
          message: `${host} has no iSCSI initiator for ${persona}'s LUNs`,
        });
      await vm.maskToHost(at.initiator, at.luns);
    }
    await vm.startVm(host, persona);
    await hw.waitHealthy(persona, input.healthTimeoutSeconds);
    await hw.place(persona, { kind: 'vm', host });
    if (!oneFence) await hw.recordMachine(dead, { power: 'unknown', healthy: false });
    return `vm@${host}`;
  });
}
