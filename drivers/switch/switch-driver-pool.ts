import type { Switch } from '../../inventory/topology-schema';
import type { SshConnector } from '../ssh/ssh-transport';
import { SshSwitchDriver, type SwitchDriverOptions } from './ssh-switch-driver';
import type { SwitchDriver } from './switch-driver';

/**
 * One driver per switch for the life of a process, so that every caller's work meets in the
 * same per-switch queue (serialization and batching only hold within one driver).
 */
export class SwitchDriverPool {
  private readonly drivers = new Map<string, SwitchDriver>();

  constructor(
    private readonly connector: SshConnector,
    private readonly options: SwitchDriverOptions | ((sw: Switch) => SwitchDriverOptions) = {},
  ) {}

  driverFor(sw: Switch): SwitchDriver {
    let driver = this.drivers.get(sw.id);
    if (driver === undefined) {
      driver = new SshSwitchDriver(
        sw,
        this.connector,
        typeof this.options === 'function' ? this.options(sw) : this.options,
      );
      this.drivers.set(sw.id, driver);
    }
    return driver;
  }

  async closeAll(): Promise<void> {
    const all = [...this.drivers.values()];
    this.drivers.clear();
    await Promise.all(all.map((d) => d.close()));
  }
}
