import type { VmSpec } from './vm-spec';

/** A VM's run state, the same words whatever the hypervisor calls them. */
export type VmState = 'running' | 'paused' | 'shutting-down' | 'shut-off' | 'crashed' | 'other';

export interface VmInfo {
  readonly name: string;
  readonly state: VmState;
  readonly vcpus: number;
  readonly memoryKiB: number;
  /** False for a transient VM: it vanishes when it stops. */
  readonly persistent: boolean;
  readonly uuid?: string;
}

export interface VmActionResult {
  /**
   * True when nothing had to change (start while running, undefine while absent…). For define: a VM
   * of that name existed and its definition was replaced.
   */
  readonly already: boolean;
}

export interface VmShutdownResult extends VmActionResult {
  /** True when the guest ignored the graceful request for the grace time and was destroyed. */
  readonly forced: boolean;
}

export interface VmShutdownOptions {
  /** How long the guest may take to power off after the ACPI request before it is destroyed. */
  readonly graceMs: number;
  /** How often the state is read while waiting (default 1000 ms). */
  readonly pollMs?: number;
}

/**
 * One hypervisor host. Methods are idempotent where the action is, take only names that
 * passed the id pattern, and translate transport and hypervisor failures into the errors of
 * ./hypervisor-errors (VmNotFoundError, HypervisorCommandError…). Another hypervisor is
 * added by implementing this interface; runbooks see nothing else.
 */
export interface HypervisorDriver {
  /**
   * Fast, synchronous check of the host's configuration; throws ValidationError naming the field.
   */
  validate(): void;
  /** Defines (or redefines) a persistent VM; does not start it. */
  define(spec: VmSpec): Promise<VmActionResult>;
  start(name: string): Promise<VmActionResult>;
  /** Graceful stop; after `graceMs` the VM is destroyed. Already when the VM is not running. */
  shutdown(name: string, options: VmShutdownOptions): Promise<VmShutdownResult>;
  /** Immediate power-off. Already when the VM is not running. */
  destroy(name: string): Promise<VmActionResult>;
  /** Removes the definition; a running VM keeps running as a transient one. Already when absent. */
  undefine(name: string): Promise<VmActionResult>;
  /** Throws VmNotFoundError when the VM does not exist. */
  info(name: string): Promise<VmInfo>;
  /** Names of every VM, running or not, sorted. */
  list(): Promise<string[]>;
}
