import { patched } from '@temporalio/workflow';
import type { PortSpec } from '../../domain/network/port-spec';
import type { LunHolders } from '../../activities/storage-activities';
import type { PlacementPlan } from '../../domain/placement/placement-plan';
import type { BootAssignment, MachineRecord, Placement } from '../../inventory/ledger-records';
import type { BootDeviceState, PowerState } from '../../drivers/power/power-driver';
import { waitForHealthy } from '../activity-proxies/health';
import { ledger, ledgerUndo } from '../activity-proxies/ledger';
import { plan } from '../activity-proxies/plan';
import { power, powerUndo, waitForPowerState } from '../activity-proxies/power';
import { storage, storageUndo } from '../activity-proxies/storage';
import { switches, switchUndo } from '../activity-proxies/switch';
import type { RunJournal } from '../run-journal';
import type { Saga } from '../saga/saga';

/**
 * Runs whose undo of a shutdown only pressed "on" replay without the boot-device check and the
 * occupant's health check that the undo now does.
 */
export const RESTART_PATCH = 'shutdown-undo-boots-pxe-and-verifies-occupant';

/**
 * Runs whose boot-device undo left "no override" (and unknown devices) as the run had changed them
 * replay without putting them back.
 */
export const EXACT_BOOT_UNDO_PATCH = 'boot-device-undo-restores-no-override';

/**
 * Thrown by a runbook when no machine can take a persona; the run ends with a clear "no capacity"
 * outcome.
 */
export const NO_CAPACITY = 'NoCapacityError';

type Lun = { readonly array: string; readonly lun: string };

/** `luns` by array, the arrays (and `arrays`, with or without LUNs) in a fixed order. */
function byArray(
  luns: ReadonlyArray<Lun>,
  arrays: readonly string[] = [],
): Array<[string, string[]]> {
  return [...new Set([...arrays, ...luns.map((l) => l.array)])]
    .sort()
    .map((array) => [array, luns.filter((l) => l.array === array).map((l) => l.lun)]);
}

/** Masks `luns` of `array` to `initiator`, or unmasks them from it. */
function changeMask(
  op: 'mask' | 'unmask',
  array: string,
  luns: readonly string[],
  initiator: string,
): Promise<unknown> {
  const summary = `${op} ${luns.join(', ')} ${op === 'mask' ? 'to' : 'from'} ${initiator}`;
  return storage[op === 'mask' ? 'maskLuns' : 'unmaskLuns'].executeWithOptions({ summary }, [
    { array, masks: luns.map((lun) => ({ lun, initiator })) },
  ]);
}

/**
 * The hardware-changing steps every runbook is made of. Each registers its undo (built from
 * state read BEFORE the change) with the saga, then changes one thing through one activity.
 * Undos are idempotent activities that put back exactly what was read.
 */
export class HardwareSteps {
  constructor(
    private readonly saga: Saga,
    private readonly journal: RunJournal,
    /** The run's workflow id: the ledger's lease holder. */
    readonly holder: string,
    readonly site: string,
  ) {}

  /**
   * Leases machines and personas, all or nothing. Returns false when another open run holds
   * one of them (the caller tries its next candidate); the release is registered as an undo
   * only once something is held.
   */
  async tryLease(
    resources: string[],
    purpose: string,
    vacant: Array<{ machine: string; except: string[] }> = [],
  ): Promise<boolean> {
    const summary = `lease ${resources.join(', ')}`;
    const granted = await this.journal.step(
      'lease',
      summary,
      async () => {
        try {
          return await ledger.ledgerAcquire.executeWithOptions({ summary }, [
            this.site,
            { holder: this.holder, resources, purpose, vacant },
          ]);
        } catch (e) {
          if ((e as { cause?: { type?: string } }).cause?.type === 'LeaseConflictError')
            return undefined;
          throw e;
        }
      },
      (r) =>
        r === undefined
          ? 'held by another run'
          : r.reclaimed.length
            ? `granted; reclaimed ${r.reclaimed.length} stale lease(s)`
            : 'granted',
    );
    if (granted === undefined) return false;
    this.saga.onUndo('lease', `release leases of ${this.holder}`, () => this.releaseAll());
    return true;
  }

  /** Notes in the run's steps something the run did not do and an operator must (with why). */
  skip(name: string, summary: string, detail: string): void {
    this.journal.skip(name, summary, detail);
  }

  releaseAll(): Promise<unknown> {
    return ledgerUndo.ledgerRelease.executeWithOptions(
      { summary: `release leases of ${this.holder}` },
      [this.site, { holder: this.holder }],
    );
  }

  planPlacement(persona: string, machine: string): Promise<PlacementPlan> {
    return plan.planPlacement.executeWithOptions({ summary: `plan ${persona} on ${machine}` }, [
      { persona, machine },
    ]);
  }

  /** Makes ports exactly `targets`; the undo restores what they were. */
  async configurePorts(
    name: string,
    summary: string,
    targets: ReadonlyArray<{
      switchId: string;
      port: string;
      desired: Omit<PortSpec, 'switchId' | 'port'>;
    }>,
  ): Promise<void> {
    if (targets.length === 0) return;
    const refs = targets.map((t) => ({ switchId: t.switchId, port: t.port }));
    const prior = await switches.readPorts.executeWithOptions(
      { summary: `read ${refs.map((r) => `${r.switchId} ${r.port}`).join(', ')}` },
      [{ ports: refs }],
    );
    await this.saga.step(
      name,
      summary,
      () =>
        switches.configurePorts.executeWithOptions({ summary }, [
          { ports: targets.map((t) => ({ switchId: t.switchId, port: t.port, ...t.desired })) },
        ]),
      {
        undo: {
          summary: `restore ports ${refs.map((r) => `${r.switchId} ${r.port}`).join(', ')}`,
          run: () => switchUndo.configurePorts({ ports: prior }),
        },
        describe: (r) => `${r.changed.length} of ${targets.length} port(s) changed`,
      },
    );
  }

  /**
   * Makes exactly `luns` (and no other LUN of those arrays) visible to `initiator`: unmasks the
   * rest first, so a non-shared LUN never has two holders on the way. The undo restores every
   * touched LUN's holders.
   */
  async maskExactly(
    name: string,
    initiator: string,
    luns: ReadonlyArray<{ array: string; lun: string }>,
    arrays: readonly string[],
  ): Promise<void> {
    for (const [array, wanted] of byArray(luns, arrays)) {
      const visible = await storage.listLunsVisibleTo.executeWithOptions(
        { summary: `LUNs of ${array} visible to ${initiator}` },
        [{ array, initiator }],
      );
      const stale = visible.filter((l) => !wanted.includes(l));
      const touched = [...new Set([...stale, ...wanted])];
      if (touched.length === 0) continue;
      await this.changeMasks(
        name,
        array,
        touched,
        `on ${array}: ${stale.length ? `unmask ${stale.join(', ')} and ` : ''}mask ${wanted.join(', ') || 'nothing'} to ${initiator}`,
        async () => {
          if (stale.length) await changeMask('unmask', array, stale, initiator);
          if (wanted.length) await changeMask('mask', array, wanted, initiator);
        },
      );
    }
  }

  /**
   * Adds `initiator` to `luns`, leaving every other LUN it sees alone (a hypervisor host sees its
   * other VMs' LUNs); the undo gives the LUNs back their holders.
   */
  mask(name: string, initiator: string, luns: ReadonlyArray<Lun>): Promise<void> {
    return this.maskEach('mask', name, initiator, luns);
  }

  /** Removes `initiator` from `luns`; the undo gives them back their holders. */
  unmask(name: string, initiator: string, luns: ReadonlyArray<Lun>): Promise<void> {
    return this.maskEach('unmask', name, initiator, luns);
  }

  private async maskEach(
    op: 'mask' | 'unmask',
    name: string,
    initiator: string,
    luns: ReadonlyArray<Lun>,
  ): Promise<void> {
    for (const [array, mine] of byArray(luns))
      await this.changeMasks(
        name,
        array,
        mine,
        `on ${array}: ${op} ${mine.join(', ')} ${op === 'mask' ? 'to' : 'from'} ${initiator}`,
        () => changeMask(op, array, mine, initiator),
      );
  }

  /**
   * One masking change on `array` as a saga step: the holders of every LUN it touches are read
   * first (the step may half-succeed), and the undo gives them back exactly those holders.
   */
  private async changeMasks(
    name: string,
    array: string,
    touched: readonly string[],
    summary: string,
    change: () => Promise<unknown>,
  ): Promise<void> {
    const prior: LunHolders = await storage.readLunHolders.executeWithOptions(
      { summary: `holders of ${touched.join(', ')}` },
      [{ array, luns: [...touched] }],
    );
    await this.saga.step(name, summary, change, {
      undo: {
        summary: `restore holders of ${touched.join(', ')} on ${array}`,
        run: () => storageUndo.restoreLunHolders({ array, holders: prior }),
      },
    });
  }

  /**
   * Points every MAC at the assignment (or, with null, at nothing); the undo restores each MAC's
   * previous one.
   */
  async assignBoot(
    machine: string,
    macs: readonly string[],
    assignment: Omit<BootAssignment, 'mac'> | null,
  ): Promise<void> {
    const previous = new Map<string, BootAssignment | null>();
    await this.saga.step(
      'boot-assignment',
      assignment
        ? `${machine} boots ${assignment.persona} (${assignment.image})`
        : `${machine} boots nothing`,
      async () => {
        for (const mac of macs) {
          const r = await ledger.ledgerSetBoot.executeWithOptions(
            { summary: `boot assignment of ${mac}` },
            [
              this.site,
              {
                holder: this.holder,
                mac,
                machine,
                assignment: assignment ? { ...assignment, mac } : null,
              },
            ],
          );
          previous.set(mac, r.previous);
        }
      },
      {
        undo: {
          summary: `restore boot assignments of ${machine}`,
          run: async () => {
            for (const mac of macs) {
              if (!previous.has(mac)) continue;
              await ledgerUndo.ledgerSetBoot(this.site, {
                holder: this.holder,
                mac,
                machine,
                assignment: previous.get(mac) ?? null,
              });
            }
          },
        },
      },
    );
  }

  /**
   * Boot device override; the undo puts back exactly what the BMC reported before: the device,
   * persistent or one-time, UEFI or legacy, or no override at all. An override this driver
   * cannot set (a CD, the BIOS) is not silently left changed: the undo fails, and the report
   * says to set it by hand.
   */
  async bootDevice(machine: string, device: 'pxe' | 'disk'): Promise<void> {
    const before: BootDeviceState = await power.readBootDevice.executeWithOptions(
      { summary: `read boot device of ${machine}` },
      [{ machine }],
    );
    const was = `${before.device}${before.device === 'none' ? '' : `${before.persistent ? ', persistent' : ', next boot only'}${before.uefi ? ', UEFI' : ''}`}`;
    await this.saga.step(
      'boot-device',
      `boot ${machine} from ${device}`,
      () =>
        power.setBootDevice.executeWithOptions({ summary: `boot device ${device} on ${machine}` }, [
          { machine, device, persistent: true, uefi: true },
        ]),
      {
        undo: {
          summary: `boot device of ${machine} back to ${was}`,
          run: async () => {
            if (before.device === 'pxe' || before.device === 'disk')
              return powerUndo.setBootDevice({
                machine,
                device: before.device,
                persistent: before.persistent,
                uefi: before.uefi,
              });
            if (!patched(EXACT_BOOT_UNDO_PATCH)) return undefined;
            if (before.device === 'none')
              return powerUndo.setBootDevice({
                machine,
                device: 'none',
                persistent: false,
                uefi: false,
              });
            throw new Error(
              `${machine} had a boot override rackshift cannot set (${before.device}); set it back by hand`,
            );
          },
        },
      },
    );
  }

  /**
   * Powers on (a machine already on is cycled, so that it boots what it was just given); the undo
   * powers it off.
   */
  async powerOnToBoot(machine: string, timeoutSeconds: number): Promise<void> {
    const state: PowerState = await power.readPowerState.executeWithOptions(
      { summary: `read power of ${machine}` },
      [{ machine }],
    );
    await this.saga.step(
      'power-on',
      state === 'on' ? `power-cycle ${machine} to boot` : `power on ${machine}`,
      async () => {
        await power.requestPower.executeWithOptions(
          { summary: `${state === 'on' ? 'cycle' : 'on'} ${machine}` },
          [{ machine, action: state === 'on' ? 'cycle' : 'on' }],
        );
        const r = await waitForPowerState(timeoutSeconds).executeWithOptions(
          { summary: `wait until ${machine} is on` },
          [{ machine, want: 'on', timeoutSeconds }],
        );
        if (!r.reached) throw new Error(`${machine} did not power on within ${timeoutSeconds}s`);
      },
      {
        undo: {
          summary: `power off ${machine}`,
          run: () => this.hardOff(machine, timeoutSeconds, powerUndo),
        },
      },
    );
  }

  private async hardOff(
    machine: string,
    timeoutSeconds: number,
    via: Pick<typeof power, 'requestPower'>,
  ): Promise<void> {
    await via.requestPower({ machine, action: 'off' });
    await waitForPowerState(timeoutSeconds)({
      machine,
      want: 'off',
      timeoutSeconds,
    });
  }

  /**
   * Clean shutdown, hard off after `graceSeconds`. The undo starts again what ran there: every
   * rackshift boot is the machine's iPXE script, so a machine whose next boot would not be PXE
   * (a one-time override another step's boot used up, as ipmi_sim BMCs keep no other kind) gets
   * a one-time PXE override for this boot only, leaving the override as it was afterwards; then
   * it is powered on and, given its `occupant`, the undo fails unless that persona answers its
   * health check again (so a drill never says "clean" over an occupant that stayed down).
   */
  async shutDown(
    name: string,
    machine: string,
    graceSeconds: number,
    timeoutSeconds: number,
    occupant?: { readonly persona: string; readonly healthTimeoutSeconds: number },
  ): Promise<{ forced: boolean }> {
    const state: PowerState = await power.readPowerState.executeWithOptions(
      { summary: `read power of ${machine}` },
      [{ machine }],
    );
    if (state === 'off') return { forced: false };
    return this.saga.step(
      name,
      `shut ${machine} down (hard off after ${graceSeconds}s)`,
      async () => {
        await power.requestPower.executeWithOptions({ summary: `soft-off ${machine}` }, [
          { machine, action: 'soft' },
        ]);
        const clean = await waitForPowerState(graceSeconds).executeWithOptions(
          { summary: `wait for ${machine} to shut down` },
          [{ machine, want: 'off', timeoutSeconds: graceSeconds }],
        );
        if (clean.reached) return { forced: false };
        await this.hardOff(machine, timeoutSeconds, power);
        return { forced: true };
      },
      {
        undo: {
          summary: occupant
            ? `power ${machine} back on and wait for ${occupant.persona} to answer its health check`
            : `power ${machine} back on`,
          run: async () => {
            const restart = patched(RESTART_PATCH);
            if (restart) await this.pxeForNextBoot(machine);
            await powerUndo.requestPower({ machine, action: 'on' });
            await waitForPowerState(timeoutSeconds)({
              machine,
              want: 'on',
              timeoutSeconds,
            });
            if (restart && occupant) {
              const r = await waitForHealthy(occupant.healthTimeoutSeconds)({
                persona: occupant.persona,
                timeoutSeconds: occupant.healthTimeoutSeconds,
              });
              if (!r.healthy)
                throw new Error(
                  `${occupant.persona} is not healthy again on ${machine} after ${occupant.healthTimeoutSeconds}s: ${r.detail}`,
                );
            }
          },
        },
        describe: (r) => (r.forced ? 'forced off after the grace time' : 'shut down cleanly'),
      },
    );
  }

  /**
   * A one-time PXE override unless the next boot is PXE already (a persistent override stays
   * untouched).
   */
  private async pxeForNextBoot(machine: string): Promise<void> {
    const next: BootDeviceState = await powerUndo.readBootDevice({ machine });
    if (next.device !== 'pxe')
      await powerUndo.setBootDevice({ machine, device: 'pxe', persistent: false, uefi: next.uefi });
  }

  /** `host`: where to ask instead of the persona's own address (a drill copy in its bubble). */
  async waitHealthy(persona: string, timeoutSeconds: number, host?: string): Promise<void> {
    await this.saga.step(
      'health',
      `wait up to ${timeoutSeconds}s for ${persona} to answer its health check${host ? ` at ${host}` : ''}`,
      async () => {
        const r = await waitForHealthy(timeoutSeconds).executeWithOptions(
          { summary: `wait for ${persona} to be healthy` },
          [{ persona, timeoutSeconds, ...(host !== undefined && { host }) }],
        );
        if (!r.healthy)
          throw new Error(`${persona} is not healthy after ${timeoutSeconds}s: ${r.detail}`);
        return r;
      },
      { describe: (r) => r.detail },
    );
  }

  /** Records where the persona runs; the undo puts back the previous placement. */
  async place(persona: string, placement: Placement): Promise<void> {
    let previous: Placement | null | undefined;
    await this.saga.step(
      'placement',
      `record ${persona} on ${placement.kind === 'machine' ? placement.machine : placement.kind === 'vm' ? `a VM on ${placement.host}` : 'nothing'}`,
      async () => {
        previous = (
          await ledger.ledgerPlace.executeWithOptions({ summary: `place ${persona}` }, [
            this.site,
            { holder: this.holder, persona, placement },
          ])
        ).previous;
      },
      {
        undo: {
          summary: `placement of ${persona} back`,
          run: () =>
            previous === undefined
              ? Promise.resolve()
              : ledgerUndo.ledgerPlace(this.site, {
                  holder: this.holder,
                  persona,
                  placement: previous,
                }),
        },
      },
    );
  }

  /** Updates the machine's ledger record; the undo puts back the record it replaced (or none). */
  async recordMachine(
    machine: string,
    fields: {
      power?: 'on' | 'off' | 'unknown';
      role?: 'idle' | 'persona' | 'hypervisor';
      cluster?: string;
      healthy?: boolean;
    },
  ): Promise<void> {
    let previous: MachineRecord | null | undefined;
    await this.saga.step(
      'record-machine',
      `record ${machine}: ${Object.entries(fields)
        .map(([k, v]) => `${k} ${String(v)}`)
        .join(', ')}`,
      async () => {
        previous = (
          await ledger.ledgerSetMachine.executeWithOptions({ summary: `record ${machine}` }, [
            this.site,
            { holder: this.holder, machine, ...fields },
          ])
        ).previous;
      },
      {
        undo: {
          summary: `machine record of ${machine} back`,
          run: () =>
            previous === undefined
              ? Promise.resolve()
              : previous === null
                ? ledgerUndo.ledgerSetMachine(this.site, {
                    holder: this.holder,
                    machine,
                    forget: true,
                  })
                : ledgerUndo.ledgerSetMachine(this.site, {
                    holder: this.holder,
                    machine,
                    power: previous.power,
                    role: previous.role,
                    ...(previous.cluster !== undefined && { cluster: previous.cluster }),
                    ...(previous.healthy !== undefined && { healthy: previous.healthy }),
                  }),
        },
      },
    );
  }
}
