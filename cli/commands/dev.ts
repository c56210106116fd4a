import { InvalidArgumentError, type Command } from 'commander';
import { join } from 'node:path';
import { codecKeysOf } from '../../temporal/connection-config';
import { installRuntimeLogging } from '../../worker/runtime-logging';
import { startDevStack } from '../dev-stack';
import { portOption } from '../options';
import { untilSignal } from '../until-signal';

/**
 * commander parser for `--temporal`: host:port of a Temporal frontend (a name or IPv4, or [IPv6]).
 */
function temporalAddressOption(value: string): string {
  const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252}))(?::(\d{1,5}))$/.exec(value);
  const port = Number(m?.[2]);
  if (m === null || !(port >= 1 && port <= 65535))
    throw new InvalidArgumentError(
      `must be HOST:PORT of a Temporal frontend, like 127.0.0.1:7233, got ${JSON.stringify(value)}`,
    );
  return value;
}

type DevOpts = {
  data: string;
  topology: string;
  apiPort: number;
  temporalPort: number;
  uiPort: number;
  labPort: number;
  lab: boolean;
  worker: boolean;
  seed: boolean;
  guard: boolean;
  temporal?: string;
  codecKeyFile?: string;
};

/**
 * Options that say opposite things; commander cannot tell a default from a choice, the command can.
 */
function conflicts(cmd: Command, opts: DevOpts): string[] {
  const given = (name: string): boolean => cmd.getOptionValueSource(name) === 'cli';
  const out: string[] = [];
  if (opts.temporal !== undefined) {
    for (const [key, flag] of [
      ['temporalPort', '--temporal-port'],
      ['uiPort', '--ui-port'],
    ] as const) {
      if (given(key))
        out.push(
          `--temporal and ${flag} conflict: ${flag} is for the dev server \`rackshift dev\` starts, and with --temporal it starts none`,
        );
    }
  }
  return out;
}

/**
 * Where `rackshift dev` serves its lab's control endpoint unless told otherwise; `rackshift lab`
 * looks there.
 */
export const DEV_LAB_PORT = 8099;

export function registerDevCommands(program: Command): void {
  program
    .command('dev')
    .description(
      'start the embedded stack: Temporal dev server (SQLite under --data), Temporal UI, worker, API and the lab',
    )
    .option(
      '--data <dir>',
      'data folder (Temporal SQLite file, admin token, lab files, logs)',
      '.rackshift',
    )
    .option(
      '--topology <file>',
      'topology the lab simulates and the worker drives',
      'examples/lab-small.yaml',
    )
    .option('--api-port <port>', 'API port on 127.0.0.1', portOption, 8080)
    .option('--temporal-port <port>', 'Temporal frontend gRPC port on 127.0.0.1', portOption, 7233)
    .option('--ui-port <port>', 'Temporal UI port on 127.0.0.1', portOption, 8233)
    .option(
      '--lab-port <port>',
      'lab control server port on 127.0.0.1 (fault injection, state)',
      portOption,
      DEV_LAB_PORT,
    )
    .option('--no-lab', 'do not start the lab: drive the real hardware the topology describes')
    .option(
      '--no-worker',
      'start no worker in this process: separate `rackshift worker` processes do the work (and can be killed and restarted)',
    )
    .option(
      '--temporal <host:port>',
      'use this Temporal server instead of starting the dev server (its search attributes must be registered)',
      temporalAddressOption,
    )
    .option(
      '--no-seed',
      'on the first start of a fresh data folder, leave every machine off instead of putting each persona on its topology home',
    )
    .option('--no-guard', 'do not start a site guard per site (docs/site-guard.md)')
    .option(
      '--codec-key-file <file>',
      "encrypt payloads (AES-256-GCM, docs/production.md) and point the UI at the API's /codec (env RACKSHIFT_CODEC_KEY_FILE, or the lines in RACKSHIFT_CODEC_KEYS)",
    )
    .action(async (opts: DevOpts, cmd: Command) => {
      const conflict = conflicts(cmd, opts);
      if (conflict.length > 0) cmd.error(`error: ${conflict.join('\n')}`);
      const codecKeys = codecKeysOf(opts.codecKeyFile);
      installRuntimeLogging('WARN');
      const stack = await startDevStack({
        dataDir: opts.data,
        topologyFile: opts.topology,
        apiPort: opts.apiPort,
        temporalPort: opts.temporalPort,
        uiPort: opts.uiPort,
        labPort: opts.labPort,
        lab: opts.lab,
        worker: opts.worker,
        seed: opts.seed,
        ...(opts.temporal !== undefined && { temporal: opts.temporal }),
        guard: opts.guard,
        ...(codecKeys !== undefined && { codecKeys }),
      });
      console.log(
        [
          '',
          'rackshift dev is up',
          `  API          ${stack.apiUrl}`,
          `  admin token  in ${stack.tokenFile} (mode 0600; the CLI reads it from there)`,
          `  tokens       rackshift token create --name <who> --role viewer|drill-operator|operator|admin`,
          `  Temporal UI  ${stack.uiUrl ?? '(headless)'}`,
          ...(codecKeys !== undefined
            ? [
                `  payloads     encrypted with key ${codecKeys.current}; to see them decoded in the UI, sign in at ${stack.apiUrl}/codec/session with an operator token and turn on "include cross-origin credentials" in the UI's codec server settings`,
              ]
            : []),
          `  Temporal     ${stack.temporalAddress}  ${opts.temporal === undefined ? `(SQLite ${join(opts.data, 'temporal.db')})` : '(not started here)'}`,
          `  worker       ${opts.worker ? 'in this process' : 'none here (--no-worker): run `rackshift worker`'}`,
          stack.lab
            ? `  lab          ${stack.lab.controlUrl}/lab/state  (${stack.lab.machines.size} machines from ${opts.topology}; state in ${stack.lab.stateFile.path})`
            : '  lab          off',
          ...(stack.seeding
            ? [
                '  seed         putting every persona on its home in the background (`seed:` lines follow)',
              ]
            : []),
          '',
          `try:  rackshift run power --input '{"machine":"${stack.lab?.machines.keys().next().value ?? 'MACHINE'}","action":"on"}' --follow`,
          'stop: Ctrl-C',
          '',
        ].join('\n'),
      );
      await untilSignal('rackshift dev', () => stack.stop());
    });
}
