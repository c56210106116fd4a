import { EventEmitter } from 'node:events';
import type { PersonaEndpoint } from '../boot/persona-endpoint';
import type { LabTiming } from '../lab-machine';
import type { LabDomainConfig } from './lab-domain-config';

/** libvirt's words for the states the lab models. */
export type LabVmState = 'running' | 'in shutdown' | 'shut off';

/** What the guest did after `virsh start`: up and answering its health check, or why not. */
export interface LabVmBoot {
  readonly healthy: boolean;
  readonly reason?: string;
  readonly health?: PersonaEndpoint;
}

/** What a domain keeps across a lab restart (a host that keeps power keeps its guests running). */
export interface LabVmSnapshot {
  readonly config: LabDomainConfig;
  readonly uuid: string;
  readonly persistent: boolean;
  readonly ignoresShutdown: boolean;
  /** Set when the guest runs: its domain id and the definition it started with. */
  readonly running?: { readonly id: number; readonly live: LabDomainConfig };
}

/** Boots the guest of a VM: decides health from the lab's switches and SAN. */
export type LabGuestBoot = (vm: LabVm) => Promise<LabVmBoot>;

/**
 * One domain on a lab hypervisor host. Like a LabMachine, the guest takes `vmBootMs` (else
 * `bootMs`) to come up and honours a graceful shutdown only once it runs; `destroy` is immediate.
 *
 * Events: 'boot' (LabVmBoot without the endpoint), 'stopped'.
 */
export class LabVm extends EventEmitter {
  private current: LabVmState = 'shut off';
  private generation = 0;
  private timers = new Set<NodeJS.Timeout>();
  private booted: LabVmBoot | undefined;
  /** The definition the next start uses; `live` is what runs now. */
  config: LabDomainConfig;
  live: LabDomainConfig | undefined;
  id: number | undefined;
  persistent = true;
  /** A guest fault: the OS ignores ACPI power-off requests. */
  ignoresShutdown = false;

  constructor(
    config: LabDomainConfig,
    readonly uuid: string,
    private readonly timing: LabTiming,
    private readonly bootGuest: LabGuestBoot,
  ) {
    super();
    this.config = config;
  }

  get name(): string {
    return this.config.name;
  }
  get state(): LabVmState {
    return this.current;
  }
  get boot(): Omit<LabVmBoot, 'health'> | undefined {
    return this.booted === undefined
      ? undefined
      : {
          healthy: this.booted.healthy,
          ...(this.booted.reason !== undefined && { reason: this.booted.reason }),
        };
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  snapshot(): LabVmSnapshot {
    // A guest in shutdown finishes it; one that runs keeps running.
    const running = this.current === 'running' && this.id !== undefined && this.live !== undefined;
    return {
      config: this.config,
      uuid: this.uuid,
      persistent: this.persistent,
      ignoresShutdown: this.ignoresShutdown,
      ...(running && { running: { id: this.id as number, live: this.live as LabDomainConfig } }),
    };
  }

  /** A guest that ran before the lab restarted runs on: its health is served again at once. */
  resumeRunning(id: number, live: LabDomainConfig): void {
    this.power(id, live, 0);
  }

  start(id: number): void {
    this.power(id, this.config, this.timing.vmBootMs ?? this.timing.bootMs);
  }

  private power(id: number, live: LabDomainConfig, afterMs: number): void {
    const gen = ++this.generation;
    this.current = 'running';
    this.id = id;
    this.live = live;
    this.later(afterMs, () => {
      if (gen !== this.generation) return;
      void this.bootGuest(this).then(
        (result) => this.settle(gen, result),
        (e: unknown) =>
          this.settle(gen, {
            healthy: false,
            reason: `guest boot failed: ${(e as Error).message}`,
          }),
      );
    });
  }

  private settle(gen: number, result: LabVmBoot): void {
    if (gen !== this.generation) {
      void result.health?.stop();
      return;
    }
    this.booted = result;
    this.emit('boot', this.boot);
  }

  /** ACPI power button: only a guest that has booted (and does not ignore it) powers off. */
  shutdown(): void {
    if (this.current !== 'running' || this.booted === undefined || this.ignoresShutdown) return;
    this.current = 'in shutdown';
    const gen = this.generation;
    this.later(this.timing.shutdownMs, () => {
      if (gen === this.generation) void this.powerOff();
    });
  }

  /** Resolves once the guest's health endpoint is closed. */
  destroy(): Promise<void> {
    return this.current === 'shut off' ? Promise.resolve() : this.powerOff();
  }

  private powerOff(): Promise<void> {
    this.generation += 1;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const closed = this.booted?.health?.stop() ?? Promise.resolve();
    this.booted = undefined;
    this.current = 'shut off';
    this.id = undefined;
    this.live = undefined;
    this.emit('stopped');
    return closed;
  }
}
