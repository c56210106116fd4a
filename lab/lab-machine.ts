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
}

export const DEFAULT_LAB_TIMING: LabTiming = { powerDelayMs: 500, bootMs: 1500, shutdownMs: 500 };

/** Boots the machine's "OS": decides health from what the lab's network, SAN and API say. */
export type LabBootSequence = (machine: LabMachine) => Promise<LabBootResult>;

/**
 * A simulated physical server. Its BMCs (ipmi_sim via chassis_control, or the in-process
 * Redfish BMC) only call the methods here, so power and boot-device state live in one
 * place. Transitions take `timing` time; a dark machine (burned rack) answers nothing.
 *
 * Events: 'power' (state), 'boot' (LabBootResult), 'action' (LabBmcAction), and for the BMC
 * processes that must react to faults: 'dark' (boolean), 'reject-auth' (boolean).
 */
export class LabMachine extends EventEmitter {
  private power: LabPowerState = 'off';
  private os: 'down' | 'booting' | 'running' | 'stopping' = 'down';
  private override: LabBootOverride = { device: 'disk', persistent: true, uefi: false };
  private timers = new Set<NodeJS.Timeout>();
  private generation = 0;
  private lastBoot: LabBootResult | undefined;
  readonly actions: LabBmcAction[] = [];
  dark = false;
  private rejectingAuth = false;
  /** A boot fault: power on works but the OS never comes up. */
  bootHangs = false;

  constructor(
    readonly spec: Machine,
    private timing: LabTiming,
    private bootSequence: LabBootSequence = async () => ({ healthy: true }),
  ) {
    super();
  }

  get id(): string { return this.spec.id; }
  get powerState(): LabPowerState { return this.power; }
  get osState(): string { return this.os; }
  get bootOverride(): LabBootOverride { return this.override; }
  get bootResult(): LabBootResult | undefined { return this.lastBoot; }

  /** A BMC fault: reject every login (wrong credentials as far as the client can tell). */
  get rejectAuth(): boolean { return this.rejectingAuth; }
  set rejectAuth(on: boolean) {
    if (on === this.rejectingAuth) return;
    this.rejectingAuth = on;
    this.emit('reject-auth', on);
  }

  setTiming(timing: Partial<LabTiming>): void { this.timing = { ...this.timing, ...timing }; }
  setBootSequence(seq: LabBootSequence): void { this.bootSequence = seq; }

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
    if (this.power === state) return;
    this.power = state;
    this.emit('power', state);
  }

  private startOs(): void {
    const gen = ++this.generation;
    this.os = 'booting';
    this.lastBoot = undefined;
    const device = this.override.device;
    if (!this.override.persistent) this.override = { ...this.override, device: 'disk', persistent: true };
    this.later(this.timing.bootMs, () => {
      if (gen !== this.generation || this.power !== 'on') return;
      if (this.bootHangs) {
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
        },
        (e: unknown) => {
          if (gen !== this.generation) return;
          this.os = 'running';
          this.lastBoot = { healthy: false, reason: `boot sequence failed: ${(e as Error).message}` };
          this.emit('boot', this.lastBoot);
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
    this.later(this.timing.powerDelayMs, () => {
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
    this.later(this.timing.powerDelayMs, () => {
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
    this.later(this.timing.powerDelayMs, () => {
      this.stopOs();
      this.setPower('on');
      this.startOs();
    });
  }

  setBootDevice(override: LabBootOverride): void {
    this.record('bootdev', `${override.device}${override.persistent ? ' persistent' : ''}${override.uefi ? ' efi' : ''}`);
    this.override = override;
  }

  /** A burned machine: BMC silent, OS gone. Clearing darkness leaves it off. */
  setDark(dark: boolean): void {
    if (dark !== this.dark) {
      this.dark = dark;
      this.emit('dark', dark);
    }
    if (dark) {
      this.stopOs();
      this.setPower('off');
    }
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
