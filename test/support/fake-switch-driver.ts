import { ValidationError } from '../../common/errors';
import type { PortVlanState } from '../../drivers/switch/port-vlan-state';
import { CommandRejectedError } from '../../drivers/switch/switch-errors';
import type {
  PortChangeResult,
  SwitchDriver,
  SwitchDriverStats,
} from '../../drivers/switch/switch-driver';

/**
 * An in-memory SwitchDriver for activity tests: ports hold states, `gate` holds every change
 * until released, `refuse` names ports whose change the "switch" rejects.
 */
export class FakeSwitchDriver implements SwitchDriver {
  readonly ports = new Map<string, PortVlanState>();
  readonly calls: string[] = [];
  readonly refuse = new Set<string>();
  saves = 0;
  gate: Promise<void> = Promise.resolve();
  private inFlight = 0;

  constructor(readonly switchId: string) {}

  validate(): void {}

  checkPort(port: string): void {
    if (!/^[A-Za-z][A-Za-z0-9/]*$/.test(port))
      throw new ValidationError('switch port', [{ path: 'port', message: 'bad port' }]);
  }

  async readPort(port: string): Promise<PortVlanState> {
    this.calls.push(`read ${port}`);
    return this.ports.get(port) ?? { mode: 'access', shutdown: false };
  }

  async configurePort(port: string, desired: PortVlanState): Promise<PortChangeResult> {
    this.calls.push(
      `configure ${port} ${desired.mode} ${desired.accessVlan ?? desired.trunkVlans?.join(',') ?? '-'}`,
    );
    this.inFlight += 1;
    try {
      await this.gate;
      if (this.refuse.has(port))
        throw new CommandRejectedError(
          this.switchId,
          `configure ${port}`,
          '% Invalid input detected',
        );
      const before = await this.readPort(port);
      const after = { ...desired, shutdown: desired.shutdown ?? false };
      this.ports.set(port, after);
      return {
        switchId: this.switchId,
        port,
        before,
        after,
        changed: JSON.stringify(before) !== JSON.stringify(after),
      };
    } finally {
      this.inFlight -= 1;
    }
  }

  setAccessVlan(port: string, vlan: number): Promise<PortChangeResult> {
    return this.configurePort(port, { mode: 'access', accessVlan: vlan, shutdown: false });
  }

  setTrunkVlans(port: string, vlans: readonly number[]): Promise<PortChangeResult> {
    return this.configurePort(port, { mode: 'trunk', trunkVlans: [...vlans], shutdown: false });
  }

  addTrunkVlan(): Promise<PortChangeResult> {
    throw new Error('not used by activities');
  }

  removeTrunkVlan(): Promise<PortChangeResult> {
    throw new Error('not used by activities');
  }

  shutdown(): Promise<PortChangeResult> {
    throw new Error('not used by activities');
  }

  noShutdown(): Promise<PortChangeResult> {
    throw new Error('not used by activities');
  }

  async saveConfig(): Promise<void> {
    this.saves += 1;
  }

  pending(): number {
    return this.inFlight;
  }

  stats(): SwitchDriverStats {
    return { sessionsOpened: 0, batches: 0, largestBatch: 0 };
  }

  async close(): Promise<void> {}
}
