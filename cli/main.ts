import { Command } from 'commander';
import { registerAdminCommands } from './commands/admin';
import { registerApiCommands } from './commands/api';
import { registerDevCommands } from './commands/dev';
import { registerDrillCommands } from './commands/drills';
import { registerGuardCommands } from './commands/guard';
import { registerInventoryCommands } from './commands/inventory';
import { registerLabCommands } from './commands/lab';
import { registerMachineCommands } from './commands/machine';
import { registerRunCommands } from './commands/run';
import { registerScheduleCommands } from './commands/schedule';
import { registerSwitchCommands } from './commands/switch';
import { registerTokenCommands } from './commands/token';
import { registerTopologyCommands } from './commands/topology';
import { registerWorkerCommands } from './commands/worker';

/** Each subcommand group lives in cli/commands/<group>.ts and registers itself here. */
const GROUPS: ReadonlyArray<(program: Command) => void> = [
  registerDevCommands,
  registerWorkerCommands,
  registerApiCommands,
  registerAdminCommands,
  registerRunCommands,
  registerScheduleCommands,
  registerDrillCommands,
  registerGuardCommands,
  registerInventoryCommands,
  registerTokenCommands,
  registerTopologyCommands,
  registerMachineCommands,
  registerSwitchCommands,
  registerLabCommands,
];

export function buildProgram(): Command {
  const program = new Command('rackshift')
    .description(
      'infrastructure-virtualization runbook engine: power, VLANs, LUNs, boot images and persona moves as Temporal workflows',
    )
    .showHelpAfterError()
    .configureHelp({ showGlobalOptions: true });
  for (const register of GROUPS) register(program);
  return program;
}

/**
 * Commander throws instead of exiting, so that the exit code says the outcome (cli/exit-codes.ts).
 */
export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  const throwing = (c: Command): void => {
    c.exitOverride();
    c.commands.forEach(throwing);
  };
  throwing(program);
  await program.parseAsync(argv);
}
