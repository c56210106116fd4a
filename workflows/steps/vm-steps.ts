import { machineResource } from '../../inventory/ledger-records';
import { ApplicationFailure, patched, sleep } from '@temporalio/workflow';
import type { CopyDiskResult } from '../../activities/disk-copy-activities';
import type { HostTrunkInput, VmPlan } from '../../activities/vm-placement-activities';
import type { HostCandidate } from '../../domain/placement/hypervisor-hosts';
import { disk, diskUndo } from '../activity-proxies/disk-copy';
import { hypervisor, hypervisorUndo } from '../activity-proxies/hypervisor';
import { ledger, ledgerUndo } from '../activity-proxies/ledger';
import { plan, planUndo } from '../activity-proxies/plan';
import { storage, storageUndo } from '../activity-proxies/storage';
import { switches, switchUndo } from '../activity-proxies/switch';
import type { RunJournal } from '../run-journal';
import type { Saga } from '../saga/saga';
import { NO_CAPACITY, type HardwareSteps } from './hardware-steps';

/** How long a run waits for another run to finish changing a host's trunk. */
const HOST_LEASE_WAIT_SECONDS = 900;

export interface Volume {
  readonly array: string;
  readonly lun: string;
}

/**
 * The steps of runbooks that move personas to and from VMs, on the same saga as HardwareSteps.
 * The host is leased only while its trunk is read, changed and its VM defined (see onHost):
 * VMs on one host are placed in parallel, but a read-modify-write of a shared trunk must not
 * interleave. Undos of trunk changes take the lease again and remove or add back only what
 * this run changed, never restoring a whole port over another run's VLANs.
 */
export class VmSteps {
  constructor(
    private readonly saga: Saga,
    private readonly journal: RunJournal,
    private readonly hw: HardwareSteps,
  ) {}

  /** The host for the persona's VM: `host` when it fits, else the best one of the site. */
  async chooseHost(
    persona: string,
    site: string,
    host: string | undefined,
  ): Promise<HostCandidate> {
    const choice = await this.journal.step(
      'choose-host',
      host ? `can ${host} run ${persona} as a VM` : `choose a hypervisor host for ${persona}`,
      () =>
        plan.chooseHypervisorHost.executeWithOptions({ summary: `hosts for ${persona}` }, [
          { persona, site, ...(host && { host }) },
        ]),
      (c) =>
        `${c.candidates.length} host(s) fit${c.rejected.length ? `; not ${c.rejected.map((r) => `${r.host} (${r.reason})`).join(', ')}` : ''}`,
    );
    const best = choice.candidates[0];
    if (best === undefined) {
      const why =
        choice.rejected.map((r) => `${r.host}: ${r.reason}`).join('; ') ||
        `site ${site} has no hypervisor host`;
      throw ApplicationFailure.create({
        type: NO_CAPACITY,
        nonRetryable: true,
        message: `no hypervisor host can run ${persona} now: ${why}`,
      });
    }
    return best;
  }

  /**
   * What the persona's VM needs on the host (validated as a VM spec): the host's initiator, the
   * LUNs, where a copy lives.
   */
  planVm(persona: string, host: string): Promise<VmPlan> {
    return this.journal.step(
      'plan-vm',
      `${persona} as a VM on ${host}`,
      () =>
        plan.planVm.executeWithOptions({ summary: `plan ${persona} on ${host}` }, [
          { persona, host },
        ]),
      (p) =>
        `LUNs ${p.luns.map((l) => l.lun).join(', ') || 'none'} through ${p.initiator ?? 'no initiator'}`,
    );
  }

  /**
   * Leases the host, waiting while another run holds it (ledgerOp does not retry a conflict: this
   * loop does).
   */
  private async acquireHost(host: string, purpose: string): Promise<void> {
    const resources = [machineResource(host)];
    for (let waited = 0; ; waited += 2) {
      try {
        await ledger.ledgerAcquire.executeWithOptions({ summary: `lease ${host}` }, [
          this.hw.site,
          { holder: this.hw.holder, resources, purpose },
        ]);
        return;
      } catch (e) {
        if (
          (e as { cause?: { type?: string } }).cause?.type !== 'LeaseConflictError' ||
          waited >= HOST_LEASE_WAIT_SECONDS
        )
          throw e;
      }
      await sleep('2s');
    }
  }

  private releaseHost(host: string): Promise<unknown> {
    return ledgerUndo.ledgerRelease.executeWithOptions({ summary: `release ${host}` }, [
      this.hw.site,
      { holder: this.hw.holder, resources: [machineResource(host)] },
    ]);
  }

  /**
   * Runs `work` holding the host's lease (waiting while another run holds it); the run's final
   * release covers a failure.
   */
  async onHost<T>(host: string, purpose: string, work: () => Promise<T>): Promise<T> {
    await this.journal.step('lease-host', `lease ${host} to ${purpose}`, () =>
      this.acquireHost(host, purpose),
    );
    const result = await work();
    await this.releaseHost(host);
    return result;
  }

  /** The room check again, under the host's lease: VMs other runs defined meanwhile now count. */
  async recheckRoom(persona: string, host: string): Promise<void> {
    await this.chooseHost(persona, this.hw.site, host);
  }

  /**
   * Changes the host's trunks as planned from what they carry now. The undo is the reverse of
   * exactly what changed: VLANs added are removed (unless another VM needs them by then),
   * VLANs removed are added back.
   */
  private async changeTrunk(
    summary: string,
    input: HostTrunkInput & { op: 'add' | 'remove' },
  ): Promise<void> {
    const change = await plan.planHostTrunk.executeWithOptions(
      { summary: `plan ${input.host}'s trunk for ${input.persona}` },
      [input],
    );
    if (change.targets.length === 0) {
      this.journal.skip('host-trunk', summary, 'nothing to change');
      return;
    }
    const what = change.changes
      .map((c) => `${c.switchId} ${c.port}: ${c.vlans.join(',')}`)
      .join('; ');
    const reverse: HostTrunkInput = {
      host: input.host,
      persona: input.persona,
      op: input.op === 'add' ? 'remove' : 'restore',
      changes: change.changes,
    };
    await this.saga.step(
      'host-trunk',
      `${summary} (${what})`,
      () =>
        switches.configurePorts.executeWithOptions({ summary }, [{ ports: [...change.targets] }]),
      {
        undo: {
          summary: `${input.op === 'add' ? 'remove' : 'add back'} ${what} on ${input.host}`,
          run: async () => {
            await this.acquireHost(input.host, `undo the trunk change for ${input.persona}`);
            const again = await planUndo.planHostTrunk(reverse);
            if (again.targets.length > 0)
              await switchUndo.configurePorts({ ports: [...again.targets] });
            await this.releaseHost(input.host);
          },
        },
        describe: (r) => `${r.changed.length} port(s) changed`,
      },
    );
  }

  /**
   * Trunks the persona's VLANs that no trunk port of the host carries yet (a union with what it
   * carries).
   */
  addHostVlans(host: string, persona: string): Promise<void> {
    return this.changeTrunk(`trunk ${persona}'s VLANs to ${host}`, { host, persona, op: 'add' });
  }

  /**
   * Takes the persona's VLANs off the host's trunks, except those another VM or the host persona
   * needs.
   */
  removeHostVlans(host: string, persona: string): Promise<void> {
    return this.changeTrunk(`take ${persona}'s VLANs off ${host}'s trunks`, {
      host,
      persona,
      op: 'remove',
    });
  }

  /**
   * Defines the persona's VM (its MACs, VLAN NICs, LUNs or a copy volume); the undo removes it.
   * Refuses when it already runs there.
   */
  async defineVm(host: string, persona: string, volume?: Volume): Promise<void> {
    const existing = await hypervisor.vmInfo.executeWithOptions(
      { summary: `state of ${persona} on ${host}` },
      [{ host, persona }],
    );
    if (existing !== null && existing.state !== 'shut-off') {
      throw ApplicationFailure.create({
        type: 'ValidationError',
        nonRetryable: true,
        message: `${persona} already runs as a VM on ${host} (${existing.state}); it would run twice`,
      });
    }
    await this.saga.step(
      'define-vm',
      `define ${persona} on ${host}${volume ? ` booting ${volume.array}/${volume.lun}` : ''}`,
      () =>
        volume
          ? hypervisor.defineVmOnVolume.executeWithOptions(
              { summary: `define ${persona} on ${host}` },
              [{ host, persona, volume }],
            )
          : hypervisor.defineVm.executeWithOptions({ summary: `define ${persona} on ${host}` }, [
              { host, persona },
            ]),
      {
        undo: {
          summary: `remove ${persona}'s VM from ${host}`,
          run: () => hypervisorUndo.removeVm({ host, persona }),
        },
        describe: (r) => (r.already ? 'replaced a shut-off definition' : 'defined'),
      },
    );
  }

  /**
   * Starts the VM; the undo destroys and removes it, so the persona never runs twice while the rest
   * is undone.
   */
  async startVm(host: string, persona: string): Promise<void> {
    await this.saga.step(
      'start-vm',
      `start ${persona} on ${host}`,
      () =>
        hypervisor.startVm.executeWithOptions({ summary: `start ${persona} on ${host}` }, [
          { host, persona },
        ]),
      {
        undo: {
          summary: `stop and remove ${persona}'s VM on ${host}`,
          run: () => hypervisorUndo.removeVm({ host, persona }),
        },
        describe: (r) => (r.already ? 'was running' : 'started'),
      },
    );
  }

  /**
   * Adds the host's initiator to `luns`, leaving every other LUN it sees alone (unlike
   * HardwareSteps.maskExactly: a host sees its other VMs' LUNs).
   */
  maskToHost(
    initiator: string,
    luns: ReadonlyArray<{ array: string; lun: string }>,
  ): Promise<void> {
    return this.hw.mask('mask-host', initiator, luns);
  }

  /**
   * Shuts a machine's ports down keeping their VLANs (nothing can answer with the persona's address
   * there); the undo restores them.
   */
  async shutPorts(
    machine: string,
    ports: ReadonlyArray<{ switchId: string; port: string }>,
  ): Promise<void> {
    if (ports.length === 0) return;
    const now = await switches.readPorts.executeWithOptions(
      { summary: `read ${machine}'s ports` },
      [{ ports: ports.map((p) => ({ switchId: p.switchId, port: p.port })) }],
    );
    const targets = now.map(({ switchId, port, ...state }) => ({
      switchId,
      port,
      desired: { ...state, shutdown: true },
    }));
    await this.hw.configurePorts('shut-ports', `shut ${machine}'s ports`, targets);
  }

  /**
   * Copy mode: boot the (off) machine into the P2V helper, create the copy volume, stream the
   * disk into it (resumable, checksummed), stop the helper. The undos stop the helper and
   * delete a volume this run created.
   */
  async copyDisk(machine: string, volume: Volume, chunkBytes: number): Promise<CopyDiskResult> {
    const helper = await this.saga.step(
      'disk-helper',
      `boot ${machine} into the P2V helper`,
      () =>
        disk.startDiskHelper.executeWithOptions({ summary: `P2V helper on ${machine}` }, [
          { machine },
        ]),
      {
        undo: {
          summary: `stop the P2V helper on ${machine}`,
          run: () => diskUndo.stopDiskHelper({ machine }),
        },
        describe: (r) => `disk of ${r.sizeBytes} bytes`,
        // A worker without --disk-transfer refuses before booting anything; stopping the helper
        // would be refused the same way and reported as left to fix.
        ...(patched('p2v-refused-helper-has-no-undo') && {
          refusedBeforeActing: ['UnsupportedActionError'],
        }),
      },
    );
    let created: boolean | undefined;
    await this.saga.step(
      'copy-volume',
      `create volume ${volume.lun} on ${volume.array} (${helper.sizeBytes} bytes)`,
      async () => {
        created = (
          await storage.createCopyVolume.executeWithOptions({ summary: `create ${volume.lun}` }, [
            { array: volume.array, volume: volume.lun, sizeBytes: helper.sizeBytes },
          ])
        ).created;
        return created;
      },
      {
        undo: {
          summary: `delete volume ${volume.lun} on ${volume.array}`,
          run: () =>
            created === false
              ? Promise.resolve()
              : storageUndo.deleteSnapshotClone({ array: volume.array, cloneId: volume.lun }),
        },
        describe: (c) => (c ? 'created' : 'exists already (kept)'),
      },
    );
    const copied = await this.saga.step(
      'copy-disk',
      `stream ${machine}'s disk to ${volume.array}/${volume.lun} in ${chunkBytes}-byte chunks`,
      () =>
        disk.copyDisk.executeWithOptions({ summary: `copy ${machine}'s disk to ${volume.lun}` }, [
          { machine, array: volume.array, volume: volume.lun, chunkBytes },
        ]),
      {
        describe: (r) =>
          `${r.sizeBytes} bytes, SHA-256 ${r.sha256.slice(0, 16)}… equal; attempt ${r.attempt} resumed at byte ${r.resumedFrom}; streamed in ${r.streamMs} ms, verified in ${r.verifyMs} ms`,
      },
    );
    await this.saga.step('stop-helper', `stop the P2V helper on ${machine}`, () =>
      disk.stopDiskHelper.executeWithOptions({ summary: `stop helper on ${machine}` }, [
        { machine },
      ]),
    );
    return copied;
  }
}
