import { machineResource, personaResource } from '../../inventory/ledger-records';
import { ApplicationFailure, patched, upsertSearchAttributes } from '@temporalio/workflow';
import { MACHINE_KEY, PERSONA_KEY, SITE_KEY } from '../../temporal/search-attributes';
import type { RunbookReport } from '../runbook-report';
import { noCapacity, runRunbook } from '../runbook-run';
import { fenceDeadMachine, fencePowerAndPorts, ONE_FENCE_PATCH } from '../steps/fence-source';
import { physicalSource } from '../steps/persona-source';
import { parkPorts, PARK_PATCH } from '../steps/return-to-spare';
import { VmSteps, type Volume } from '../steps/vm-steps';
import { p2vInputSchema } from './p2v-input';

const MIB = 1024 * 1024;

/**
 * `p2v`: move a persona from its physical machine X to a VM on hypervisor host H. Lease the
 * persona and X; under H's lease (only there: VMs on one host are placed in parallel) trunk the
 * persona's VLANs to H (a union) and define the VM with the persona's MACs; shut X down (clean,
 * hard after the grace); in copy mode stream X's disk (P2V helper) to a new volume; move the
 * LUNs from X's initiator to H's; X boots nothing and its ports are shut; start the VM, wait for
 * its health check, record the VM placement and X idle and off. With `sourceDown` (a disaster
 * failover) X is not asked to stop: it is fenced (fenceDeadMachine, never undone) and parked.
 * Every undo is registered before its step; on failure or cancellation they run in reverse.
 */
export function p2v(rawInput: unknown): Promise<RunbookReport> {
  return runRunbook('p2v', p2vInputSchema, rawInput, 'persona', async (input, run) => {
    const { journal, saga, stepsAt } = run;
    const persona = input.persona;
    const { machine: source, site } = await physicalSource(journal, persona, input.from);
    const hw = stepsAt(site);
    const vm = new VmSteps(saga, journal, hw);
    const { host } = await vm.chooseHost(persona, site, input.host);
    if (
      !(await hw.tryLease(
        [personaResource(persona), machineResource(source)],
        `p2v ${persona} from ${source} to ${host}`,
      ))
    )
      throw noCapacity(`${persona} or ${source} is leased by another run`);
    upsertSearchAttributes([
      { key: SITE_KEY, value: site },
      { key: MACHINE_KEY, value: [source, host] },
      { key: PERSONA_KEY, value: [persona] },
    ]);

    const from = await hw.planPlacement(persona, source);
    const at = await vm.planVm(persona, host);
    const bootLun = at.luns.find((l) => l.boot);
    if (input.mode === 'copy' && bootLun !== undefined) {
      throw ApplicationFailure.create({
        type: 'ValidationError',
        nonRetryable: true,
        message: `${persona} boots from SAN LUN ${bootLun.array}/${bootLun.lun}: its disk is on the array already; use mode san`,
      });
    }
    const volume: Volume | undefined =
      input.mode === 'copy' ? { array: at.copyVolume.array, lun: at.copyVolume.lun } : undefined;

    await vm.onHost(host, `trunk ${persona}'s VLANs and define its VM`, async () => {
      await vm.recheckRoom(persona, host);
      await vm.addHostVlans(host, persona);
      await vm.defineVm(host, persona, volume);
    });
    if (!input.sourceDown)
      await hw.shutDown('stop-source', source, input.graceSeconds, input.powerTimeoutSeconds);
    if (volume !== undefined) await vm.copyDisk(source, volume, input.copyChunkMiB * MIB);
    const fenced = input.sourceDown && patched(ONE_FENCE_PATCH);
    if (fenced)
      await fenceDeadMachine(journal, {
        machine: source,
        site,
        holder: hw.holder,
        full: input.fence === 'full',
        luns: () => from,
      });
    else {
      if (input.sourceDown && input.fence === 'full') await fencePowerAndPorts(journal, source);
      if (from.initiator !== undefined)
        await hw.unmask(
          input.sourceDown ? 'fence-source' : 'unmask-source',
          from.initiator,
          from.luns,
        );
    }
    const hostLuns = [...at.luns, ...(volume ? [volume] : [])];
    if (hostLuns.length > 0) {
      if (at.initiator === undefined)
        throw ApplicationFailure.create({
          type: 'ValidationError',
          nonRetryable: true,
          message: `${host} has no iSCSI initiator for ${persona}'s LUNs`,
        });
      await vm.maskToHost(at.initiator, hostLuns);
    }
    await hw.assignBoot(source, from.macs, null);
    // Parked: no VLAN, shut (a dark source's where its switch answers), so a power-on by mistake
    // reaches no production network.
    if (patched(PARK_PATCH))
      await parkPorts(hw, 'shut-ports', source, from.ports, !input.sourceDown);
    else if (!input.sourceDown) await vm.shutPorts(source, from.ports);
    await vm.startVm(host, persona);
    await hw.waitHealthy(persona, input.healthTimeoutSeconds);
    await hw.place(persona, { kind: 'vm', host });
    await hw.recordMachine(
      source,
      fenced
        ? { role: 'idle' }
        : input.sourceDown
          ? { power: 'unknown', role: 'idle', healthy: false }
          : { power: 'off', role: 'idle' },
    );
    return `vm@${host}`;
  });
}
