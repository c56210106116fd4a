import { EventEmitter } from 'node:events';
import type { Machine } from '../inventory/topology-schema';

export type LabPowerState = 'on' | 'off';
export type LabBootDevice = 'none' | 'pxe' | 'disk' | 'cdrom' | 'bios';

export interface LabBootOverride {
  readonly device: LabBootDevice;
  readonly persistent: boolean;
  readonly uefi: boolean;
}

/** What the lab machine's "firmware" did after power-on; filled in by the boot sequence. */
export interface LabBootResult {
  readonly healthy: boolean;
  /** The persona it runs, when healthy. */
  readonly persona?: string;
  /** Why it is not healthy (missing VLAN, unmasked LUN, missing image…). */
  readonly reason?: string;
}

/** Every request a BMC received, so tests can prove no unsafe action was duplicated. */
export interface LabBmcAction {
  readonly at: number;
  readonly action: 'on' | 'off' | 'soft' | 'cycle' | 'reset' | 'bootdev';
  readonly detail?: string;
}

export interface LabTiming {
  /** How long a power transition takes before the BMC reports the new state. */
  readonly powerDelayMs: number;
  /** How long from power-on until the OS runs (and soft-off is honoured). */
  readonly bootMs: number;
  /** How long an OS takes to shut down after an ACPI soft-off. */
  readonly shutdownMs: number;
  /**
   * How long a VM's guest takes from start until it runs (default `bootMs`): a VM has no POST, so
   * benchmarks with real latencies set it apart from a machine's.
   */
  readonly vmBootMs?: number;
}

export const DEFAULT_LAB_TIMING: LabTiming = { powerDelayMs: 500, bootMs: 1500, shutdownMs: 500 };

/**
 * What a machine keeps across a restart of the lab process (the data center does not lose
 * power when its control plane dies). `power` is where a transition the BMC accepted ends;
 * `os` says what an OS that started on it booted from and, once it runs, how it came up.
 */
export interface LabMachineState {
  readonly power: LabPowerState;
  readonly bootOverride: LabBootOverride;
  readonly dark: boolean;
  readonly rejectAuth: boolean;
  readonly bootHangs: boolean;
  /**
   * The OS started on a machine that is on: the device it booted from, and its result once it runs.
   */
  readonly os?: { readonly from: LabBootDevice; readonly boot?: LabBootResult };
}

/** Boots the machine's "OS": decides health from what the lab's network, SAN and API say. */
export type LabBootSequence = (machine: LabMachine) => Promise<LabBootResult>;

/**
 * A simulated physical server. Its BMCs (ipmi_sim via chassis_control, or the in-process
 * Redfish BMC) only call the methods here, so power and boot-device state live in one
 * place. Transitions take `timing` time; a dark machine (burned rack) answers nothing.
 *
 * Events: 'power' (state), 'boot' (LabBootResult), 'action' (LabBmcAction), and for the BMC
 * processes that must react to faults: 'dark' (boolean), 'reject-auth' (boolean); 'state'
 * after every change of what `snapshot()` returns, so the lab can write it down.
 */
export class LabMachine extends EventEmitter {
  private power: LabPowerState = 'off';
  private os: 'down' | 'booting' | 'running' | 'stopping' = 'down';
  private override: LabBootOverride = { device: 'disk', persistent: true, uefi: false };
  private timers = new Set<NodeJS.Timeout>();
  private generation = 0;
  private lastBoot: LabBootResult | undefined;
  /** Where an accepted power transition ends, until it has. */
  private pending: LabPowerState | undefined;
  /** The device the current (or last) boot started from: the override is reset as the OS starts. */
  private booting: LabBootDevice = 'disk';
  /** A boot to start once the lab runs again (the machine was booting when the lab stopped). */
  private resumeFrom: LabBootDevice | 'override' | undefined;
  readonly actions: LabBmcAction[] = [];
  dark = false;
  private rejectingAuth = false;
  private hangs = false;

  constructor(
    readonly spec: Machine,
    private timing: LabTiming,
    private bootSequence: LabBootSequence = async () => ({ healthy: true }),
  ) {
    super();
  }

  get id(): string {
    return this.spec.id;
  }
  get powerState(): LabPowerState {
    return this.power;
  }
  get osState(): string {
    return this.os;
  }
  get bootOverride(): LabBootOverride {
    return this.override;
  }
  get bootResult(): LabBootResult | undefined {
    return this.lastBoot;
  }
  /** The device the current (or last) boot started from. */
  get bootingFrom(): LabBootDevice {
    return this.booting;
  }

  /** A boot fault: power on works but the OS never comes up. */
  get bootHangs(): boolean {
    return this.hangs;
  }
  set bootHangs(on: boolean) {
    this.hangs = on;
    this.changed();
  }

  /** A BMC fault: reject every login (wrong credentials as far as the client can tell). */
  get rejectAuth(): boolean {
    return this.rejectingAuth;
  }
  set rejectAuth(on: boolean) {
    if (on === this.rejectingAuth) return;
    this.rejectingAuth = on;
    this.emit('reject-auth', on);
    this.changed();
  }

  private changed(): void {
    this.emit('state');
  }

  snapshot(): LabMachineState {
    const started =
      this.pending === undefined &&
      this.power === 'on' &&
      (this.os === 'booting' || this.os === 'running');
    const boot = this.os === 'running' ? this.lastBoot : undefined;
    return {
      power: this.pending ?? this.power,
      bootOverride: this.override,
      dark: this.dark,
      rejectAuth: this.rejectingAuth,
      bootHangs: this.hangs,
      ...(started && { os: { from: this.booting, ...(boot !== undefined && { boot }) } }),
    };
  }

  /**
   * Takes back a state written by an earlier lab process, before any BMC or boot agent runs. A
   * machine whose OS ran keeps running what it booted (the boot agent serves it again); one
   * that was booting or powering on boots once the lab runs (`resume`).
   */
  restore(state: LabMachineState): void {
    this.override = state.bootOverride;
    this.dark = state.dark;
    this.rejectingAuth = state.rejectAuth;
    this.hangs = state.bootHangs;
    if (state.dark || state.power === 'off') return;
    this.power = 'on';
    if (state.os?.boot !== undefined) {
      this.os = 'running';
      this.lastBoot = state.os.boot;
      this.booting = state.os.from;
    } else {
      this.resumeFrom = state.os?.from ?? 'override';
    }
  }

  /** After the lab's peers are up: starts the boot a restored machine was in the middle of. */
  resume(): void {
    const from = this.resumeFrom;
    this.resumeFrom = undefined;
    if (from === undefined) return;
    this.startOs(from === 'override' ? undefined : from);
  }

  /** The boot agent's answer for a restored running OS (its health served again, or why not). */
  restoredBoot(result: LabBootResult): void {
    this.lastBoot = result;
    this.changed();
  }

  setTiming(timing: Partial<LabTiming>): void {
    this.timing = { ...this.timing, ...timing };
  }
  setBootSequence(seq: LabBootSequence): void {
    this.bootSequence = seq;
  }

  private record(action: LabBmcAction['action'], detail?: string): void {
    const entry: LabBmcAction = { at: Date.now(), action, ...(detail !== undefined && { detail }) };
    this.actions.push(entry);
    this.emit('action', entry);
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private setPower(state: LabPowerState): void {
    this.pending = undefined;
    if (this.power === state) return;
    this.power = state;
    this.emit('power', state);
    this.changed();
  }

  /** The BMC accepted a transition: the machine will get there even if the lab stops first. */
  private accept(target: LabPowerState, after: () => void): void {
    this.pending = target;
    this.changed();
    this.later(this.timing.powerDelayMs, after);
  }

  /** `from`: a boot the lab resumes, whose one-time override was already used up. */
  private startOs(from?: LabBootDevice): void {
    const gen = ++this.generation;
    this.os = 'booting';
    this.lastBoot = undefined;
    const device = from ?? this.override.device;
    this.booting = device;
    if (from === undefined && !this.override.persistent)
      this.override = { ...this.override, device: 'disk', persistent: true };
    this.changed();
    this.later(this.timing.bootMs, () => {
      if (gen !== this.generation || this.power !== 'on') return;
      if (this.hangs) {
        this.lastBoot = { healthy: false, reason: 'boot hangs (injected fault)' };
        this.emit('boot', this.lastBoot);
        return;
      }
      void this.bootSequence(this).then(
        (result) => {
          if (gen !== this.generation || this.power !== 'on') return;
          this.os = 'running';
          this.lastBoot = result;
          this.emit('boot', { ...result, device });
          this.changed();
        },
        (e: unknown) => {
          if (gen !== this.generation) return;
          this.os = 'running';
          this.lastBoot = {
            healthy: false,
            reason: `boot sequence failed: ${(e as Error).message}`,
          };
          this.emit('boot', this.lastBoot);
          this.changed();
        },
      );
    });
  }

  private stopOs(): void {
    this.generation += 1;
    this.os = 'down';
    this.lastBoot = undefined;
  }

  /** Idempotent: on a machine that is on (or turning on) it changes nothing. */
  powerOn(): { already: boolean } {
    this.record('on');
    if (this.power === 'on') return { already: true };
    this.accept('on', () => {
      if (this.power === 'on') return;
      this.setPower('on');
      this.startOs();
    });
    return { already: false };
  }

  /** Hard off, after the power delay. Idempotent. */
  powerOff(): { already: boolean } {
    this.record('off');
    if (this.power === 'off') return { already: true };
    this.accept('off', () => {
      this.stopOs();
      this.setPower('off');
    });
    return { already: false };
  }

  /** ACPI soft-off: only an OS that runs honours it; otherwise nothing happens. */
  softOff(): { honoured: boolean } {
    this.record('soft');
    if (this.power !== 'on' || this.os !== 'running') return { honoured: false };
    this.os = 'stopping';
    this.pending = 'off';
    this.changed();
    const gen = this.generation;
    this.later(this.timing.shutdownMs, () => {
      if (gen !== this.generation) return;
      this.stopOs();
      this.setPower('off');
    });
    return { honoured: true };
  }

  /** Power cycle (off then on) or warm reset; a machine that is off is turned on. */
  cycle(kind: 'cycle' | 'reset' = 'cycle'): void {
    this.record(kind);
    this.accept('on', () => {
      this.stopOs();
      this.setPower('on');
      this.startOs();
    });
  }

  setBootDevice(override: LabBootOverride): void {
    this.record(
      'bootdev',
      `${override.device}${override.persistent ? ' persistent' : ''}${override.uefi ? ' efi' : ''}`,
    );
    this.override = override;
    this.changed();
  }

  /** A burned machine: BMC silent, OS gone. Clearing darkness leaves it off. */
  setDark(dark: boolean): void {
    if (dark !== this.dark) {
      this.dark = dark;
      this.emit('dark', dark);
    }
    if (dark) {
      // A burned machine finishes nothing it had accepted.
      for (const t of this.timers) clearTimeout(t);
      this.timers.clear();
      this.stopOs();
      this.setPower('off');
    }
    this.changed();
  }

  count(action: LabBmcAction['action']): number {
    return this.actions.filter((a) => a.action === action).length;
  }

  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.removeAllListeners();
  }
}
