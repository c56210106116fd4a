import type { Command } from 'commander';
import { join } from 'node:path';
import { installRuntimeLogging } from '../../worker/runtime-logging';
import { startDevStack } from '../dev-stack';
import { portOption } from '../options';

/** Where `rackshift dev` serves its lab's control endpoint unless told otherwise; `rackshift lab` looks there. */
export const DEV_LAB_PORT = 8099;

export function registerDevCommands(program: Command): void {
  program
    .command('dev')
    .description('start the embedded stack: Temporal dev server (SQLite under --data), Temporal UI, worker, API and the lab')
    .option('--data <dir>', 'data folder (Temporal SQLite file, admin token, lab files, logs)', '.rackshift')
    .option('--topology <file>', 'topology the lab simulates and the worker drives', 'examples/lab-small.yaml')
    .option('--api-port <port>', 'API port on 127.0.0.1', portOption, 8080)
    .option('--temporal-port <port>', 'Temporal frontend gRPC port on 127.0.0.1', portOption, 7233)
    .option('--ui-port <port>', 'Temporal UI port on 127.0.0.1', portOption, 8233)
    .option('--lab-port <port>', 'lab control server port on 127.0.0.1 (fault injection, state)', portOption, DEV_LAB_PORT)
    .option('--no-lab', 'do not start the lab: drive the real hardware the topology describes')
    .option('--no-guard', 'do not start a site guard per site')
    .action(async (opts: { data: string; topology: string; apiPort: number; temporalPort: number; uiPort: number; labPort: number; lab: boolean; guard: boolean }) => {
      installRuntimeLogging('WARN');
      const stack = await startDevStack({
        dataDir: opts.data,
        topologyFile: opts.topology,
        apiPort: opts.apiPort,
        temporalPort: opts.temporalPort,
        uiPort: opts.uiPort,
        labPort: opts.labPort,
        lab: opts.lab,
        guard: opts.guard,
      });
      console.log(
        [
          '',
          'rackshift dev is up',
          `  API          ${stack.apiUrl}`,
          `  admin token  ${stack.token}`,
          `               (also in ${join(opts.data, 'admin.token')}, mode 0600)`,
          `  Temporal UI  ${stack.uiUrl ?? '(headless)'}`,
          `  Temporal     ${stack.temporalAddress}  (SQLite ${join(opts.data, 'temporal.db')})`,
          stack.lab ? `  lab          ${stack.lab.controlUrl}/lab/state  (${stack.lab.machines.size} machines from ${opts.topology})` : '  lab          off',
          '',
          `try:  rackshift run power --input '{"machine":"${stack.lab?.machines.keys().next().value ?? 'MACHINE'}","action":"on"}' --follow`,
          'stop: Ctrl-C',
          '',
        ].join('\n'),
      );
      await new Promise<void>((resolve) => {
        let stopping = false;
        const onSignal = (signal: NodeJS.Signals): void => {
          if (stopping) return;
          stopping = true;
          console.log(`\nrackshift dev: ${signal}, stopping…`);
          void stack.stop().then(() => {
            console.log('rackshift dev: stopped');
            resolve();
          });
        };
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
      });
    });
}
