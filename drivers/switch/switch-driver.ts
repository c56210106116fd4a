import type { PortVlanState } from './port-vlan-state';

export interface PortChangeResult {
  readonly switchId: string;
  readonly port: string;
  /** Read just before the change: handing it back to configurePort restores the port exactly. */
  readonly before: PortVlanState;
  /** Read back after the change (equal to what was asked, or the change failed). */
  readonly after: PortVlanState;
  /** False when the port already was as asked and no command was sent. */
  readonly changed: boolean;
}

export interface SwitchDriverStats {
  readonly sessionsOpened: number;
  readonly batches: number;
  readonly largestBatch: number;
}

/**
 * One switch. Parameters are validated before anything is queued; work is serialized per
 * switch (at most its session limit at once) and what queues while a session is busy goes
 * out together in the next session. Every change is read back and compared.
 */
export interface SwitchDriver {
  readonly switchId: string;
  /** Fast, synchronous check of the configuration; throws ValidationError naming the field. */
  validate(): void;
  /**
   * Synchronous check of a port name (and a desired state) without queuing anything; throws
   * ValidationError.
   */
  checkPort(port: string, desired?: PortVlanState): void;
  readPort(port: string): Promise<PortVlanState>;
  /**
   * Makes the port exactly `desired` (absent fields: not configured; shutdown defaults to false).
   */
  configurePort(port: string, desired: PortVlanState): Promise<PortChangeResult>;
  setAccessVlan(port: string, vlan: number): Promise<PortChangeResult>;
  setTrunkVlans(port: string, vlans: readonly number[]): Promise<PortChangeResult>;
  addTrunkVlan(port: string, vlan: number): Promise<PortChangeResult>;
  removeTrunkVlan(port: string, vlan: number): Promise<PortChangeResult>;
  shutdown(port: string): Promise<PortChangeResult>;
  noShutdown(port: string): Promise<PortChangeResult>;
  saveConfig(): Promise<void>;
  /** Operations waiting for or in a session (for heartbeats). */
  pending(): number;
  stats(): SwitchDriverStats;
  /**
   * Rejects waiting work with SwitchDriverClosedError and waits for running sessions. Safe to call
   * twice.
   */
  close(): Promise<void>;
}
