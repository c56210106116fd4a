import type {
  BootDeviceRequest,
  BootDeviceState,
  PowerAction,
  PowerActionResult,
  PowerDriver,
  PowerState,
} from '../drivers/power/power-driver';
import type { ActivityDeps } from './activity-deps';
import { heartbeat, sleepUnlessCancelled } from './activity-context';
import { withFailureMapping } from './application-failure';

export interface WaitForPowerStateInput {
  readonly machine: string;
  readonly want: PowerState;
  readonly timeoutSeconds: number;
  readonly pollMs?: number;
}

export interface WaitForPowerStateResult {
  readonly reached: boolean;
  readonly state: PowerState;
  readonly polls: number;
}

/** BMC calls for runbooks. Each opens a driver, does one thing, and closes it (Redfish logout). */
export function createPowerActivities(deps: ActivityDeps) {
  async function withDriver<T>(
    machineId: string,
    use: (driver: PowerDriver) => Promise<T>,
  ): Promise<T> {
    const driver = deps.powerDriver(deps.topology.machine(machineId));
    driver.validate();
    try {
      return await use(driver);
    } finally {
      await driver.close().catch(() => undefined);
    }
  }

  return withFailureMapping({
    async readPowerState(input: { machine: string }): Promise<PowerState> {
      return withDriver(input.machine, (d) => d.powerState());
    },

    async requestPower(input: {
      machine: string;
      action: PowerAction;
    }): Promise<PowerActionResult> {
      return withDriver(input.machine, (d) => d.power(input.action));
    },

    async setBootDevice(input: { machine: string } & BootDeviceRequest): Promise<BootDeviceState> {
      const { machine, ...request } = input;
      return withDriver(machine, (d) => d.setBootDevice(request));
    },

    async readBootDevice(input: { machine: string }): Promise<BootDeviceState> {
      return withDriver(input.machine, (d) => d.bootDevice());
    },

    /**
     * Polls until the BMC reports `want` or the timeout passes; never presses a button, so a
     * retry after a worker crash is always safe. Returns reached:false rather than throwing on
     * timeout, so the workflow decides (soft-off falls back to hard off).
     */
    async waitForPowerState(input: WaitForPowerStateInput): Promise<WaitForPowerStateResult> {
      const pollMs = input.pollMs ?? 1000;
      const deadline = Date.now() + input.timeoutSeconds * 1000;
      return withDriver(input.machine, async (d) => {
        for (let polls = 1; ; polls += 1) {
          const state = await d.powerState();
          heartbeat({ polls, state });
          if (state === input.want) return { reached: true, state, polls };
          if (Date.now() >= deadline) return { reached: false, state, polls };
          await sleepUnlessCancelled(Math.min(pollMs, Math.max(0, deadline - Date.now())));
        }
      });
    },
  });
}

export type PowerActivities = ReturnType<typeof createPowerActivities>;
