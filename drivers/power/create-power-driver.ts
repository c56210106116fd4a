import type { SecretStore } from '../../common/secrets';
import type { Machine } from '../../inventory/topology-schema';
import { IpmiPowerDriver } from './ipmi';
import type { PowerDriver } from './power-driver';
import { RedfishPowerDriver } from './redfish';

export interface PowerDriverOptions {
  readonly secrets: SecretStore;
  /** Per-request timeout towards the BMC. */
  readonly timeoutMs?: number;
}

/** The driver a machine's topology entry names. */
export function createPowerDriver(machine: Machine, options: PowerDriverOptions): PowerDriver {
  const common = {
    machine,
    secrets: options.secrets,
    ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }),
  };
  switch (machine.bmc.driver) {
    case 'ipmi':
      return new IpmiPowerDriver(common);
    case 'redfish':
      return new RedfishPowerDriver(common);
  }
}
