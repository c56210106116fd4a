import { InvalidArgumentError, type Command } from 'commander';
import { EnvAndFileSecretStore } from '../../common/secrets';
import { createPowerDriver } from '../../drivers/power/create-power-driver';
import type { PowerAction, PowerDriver } from '../../drivers/power/power-driver';
import { TopologyIndex } from '../../inventory/topology-index';
import { loadTopologyFile } from '../../inventory/load-topology';
import { driverOptions, type DriverCliOptions } from '../driver-options';

const POWER_VERBS = ['status', 'on', 'off', 'soft', 'cycle'] as const;

async function withDriver<T>(
  machineId: string,
  opts: DriverCliOptions,
  use: (d: PowerDriver) => Promise<T>,
): Promise<T> {
  const index = new TopologyIndex(await loadTopologyFile(opts.topology));
  const driver = createPowerDriver(index.machine(machineId), {
    secrets: new EnvAndFileSecretStore(process.env, opts.secrets),
  });
  driver.validate();
  try {
    return await use(driver);
  } finally {
    await driver.close();
  }
}

/**
 * Diagnostics straight through the drivers, no workflow: what an operator runs when a runbook
 * cannot reach a BMC.
 */
export function registerMachineCommands(program: Command): void {
  const machine = program
    .command('machine')
    .description("talk to one machine's BMC directly (diagnostics; no workflow)");
  driverOptions(
    machine
      .command('power')
      .description('read or change power through the BMC: status|on|off|soft|cycle')
      .argument('<action>', POWER_VERBS.join('|'), (v: string) => {
        if (!(POWER_VERBS as readonly string[]).includes(v))
          throw new InvalidArgumentError(`must be one of ${POWER_VERBS.join(', ')}`);
        return v;
      })
      .argument('<machineId>')
      .option('--json', 'print JSON'),
  ).action(
    async (
      action: (typeof POWER_VERBS)[number],
      machineId: string,
      opts: DriverCliOptions & { json?: boolean },
    ) => {
      await withDriver(machineId, opts, async (d) => {
        if (action === 'status') {
          const state = await d.powerState();
          console.log(
            opts.json
              ? JSON.stringify({ machine: machineId, power: state })
              : `${machineId}: ${state}`,
          );
          return;
        }
        const r = await d.power(action as PowerAction);
        console.log(
          opts.json
            ? JSON.stringify({ machine: machineId, ...r })
            : `${machineId}: ${action} ${r.already ? `(already ${r.stateAfter})` : `requested; BMC now reports ${r.stateAfter}`}`,
        );
      });
    },
  );
  driverOptions(
    machine
      .command('boot-device')
      .description('set (or with "show", read) the boot device through the BMC')
      .argument('<device>', 'pxe|disk|show', (v: string) => {
        if (!['pxe', 'disk', 'show'].includes(v))
          throw new InvalidArgumentError('must be pxe, disk or show');
        return v;
      })
      .argument('<machineId>')
      .option('--persistent', 'keep the override across reboots', false)
      .option('--legacy', 'legacy BIOS boot instead of UEFI', false)
      .option('--json', 'print JSON'),
  ).action(
    async (
      device: 'pxe' | 'disk' | 'show',
      machineId: string,
      opts: DriverCliOptions & {
        persistent: boolean;
        legacy: boolean;
        json?: boolean;
      },
    ) => {
      await withDriver(machineId, opts, async (d) => {
        const s =
          device === 'show'
            ? await d.bootDevice()
            : await d.setBootDevice({ device, persistent: opts.persistent, uefi: !opts.legacy });
        if (opts.json) {
          console.log(JSON.stringify({ machine: machineId, ...s }));
          return;
        }
        console.log(
          `${machineId}: boot device ${s.device}${s.persistent ? ' persistent' : ' next boot only'}${s.uefi ? ' UEFI' : ' legacy'}`,
        );
      });
    },
  );
}
