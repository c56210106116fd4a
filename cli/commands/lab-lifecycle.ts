import type { Command } from 'commander';
import { join, resolve } from 'node:path';
import { loadTopologyFile } from '../../inventory/load-topology';
import { resetLab } from '../../lab/reset-lab';
import { startLab } from '../../lab/start-lab';
import { portOption } from '../options';
import { untilSignal } from '../until-signal';

/**
 * The lab's folder inside a data folder: `rackshift dev`, `lab start` and `lab reset` agree on it.
 */
function labDir(dataDir: string): string {
  return join(resolve(dataDir), 'lab');
}

/** `rackshift lab start` (the lab alone, as `rackshift dev` runs it) and `rackshift lab reset`. */
export function registerLabLifecycle(lab: Command, defaultControlPort: number): void {
  lab
    .command('start')
    .description(
      'run the simulated data center on its own (no Temporal, worker or API); its state is kept in <data>/lab',
    )
    .requiredOption('--topology <file>', 'topology the lab simulates')
    .option(
      '--data <dir>',
      'data folder (the lab keeps its files and state in <data>/lab)',
      '.rackshift',
    )
    .option(
      '--api <url>',
      'rackshift API the lab machines fetch their iPXE scripts from (without it, machines boot nothing)',
    )
    .option(
      '--control-port <port>',
      'lab control server port on 127.0.0.1',
      portOption,
      defaultControlPort,
    )
    .action(async (opts: { topology: string; data: string; api?: string; controlPort: number }) => {
      if (opts.api !== undefined && !/^https?:\/\/[^\s/]+(?:\/\S*)?$/.test(opts.api))
        throw new Error(
          `--api must be an http(s) URL like http://127.0.0.1:8080, got ${JSON.stringify(opts.api)}`,
        );
      const topology = await loadTopologyFile(opts.topology);
      const running = await startLab({
        topology,
        dataDir: labDir(opts.data),
        controlPort: opts.controlPort,
        ...(opts.api !== undefined && { apiBaseUrl: opts.api }),
      });
      console.log(
        [
          '',
          `rackshift lab is up: ${running.machines.size} machines from ${opts.topology}${running.restored ? ` (state kept from ${running.restored.savedAt})` : ' (first state)'}`,
          `  control   ${running.controlUrl}/lab/state`,
          `  state     ${running.stateFile.path}`,
          `  secrets   ${running.secretsFile}  (mode 0600; for \`rackshift worker --secrets\`)`,
          'stop: Ctrl-C',
          '',
        ].join('\n'),
      );
      await untilSignal('rackshift lab', () => running.stop());
    });

  lab
    .command('reset')
    .description(
      "return the lab on a data folder to the topology's first state (refused while a lab runs on it; the ledger is not touched)",
    )
    .option('--data <dir>', 'data folder whose lab to reset (its <data>/lab)', '.rackshift')
    .action((opts: { data: string }) => {
      const result = resetLab(labDir(opts.data));
      console.log(
        result.hadState
          ? `lab on ${result.labDir} reset: it starts in the topology's first state`
          : `lab on ${result.labDir} had no state: it already starts in the topology's first state`,
      );
    });
}
