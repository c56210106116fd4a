import { InvalidArgumentError, type Command } from 'commander';
import {
  DEFAULT_RETENTION_DAYS,
  missingSetup,
  setupNamespace,
} from '../../temporal/namespace-setup';
import {
  addTemporalOptions,
  connectFromOptions,
  type TemporalCliOptions,
} from '../temporal-options';

function daysOption(value: string): number {
  const n = Number(value);
  if (!/^\d{1,4}$/.test(value) || n < 1 || n > 3650)
    throw new InvalidArgumentError(`must be a whole number of days 1–3650, got "${value}"`);
  return n;
}

export function registerAdminCommands(program: Command): void {
  const admin = program
    .command('admin')
    .description(
      'prepare a Temporal service for rackshift (production; `rackshift dev` does it itself)',
    );
  addTemporalOptions(
    admin
      .command('setup')
      .description(
        'create the namespace (or set its retention) and the search attributes rackshift needs; idempotent',
      )
      .option(
        '--retention-days <days>',
        'how long closed runs (and so drill reports) are kept',
        daysOption,
        DEFAULT_RETENTION_DAYS,
      ),
  ).action(async (opts: TemporalCliOptions & { retentionDays: number }) => {
    const { config, connection } = await connectFromOptions(opts, 'rackshift admin setup');
    try {
      await setupNamespace(connection, config.namespace, opts.retentionDays, (line) =>
        console.log(line),
      );
      console.log(`namespace ${config.namespace} is ready for rackshift`);
    } finally {
      await connection.close();
    }
  });
  addTemporalOptions(
    admin
      .command('check')
      .description('say what the namespace lacks for rackshift; exit 1 if anything'),
  ).action(async (opts: TemporalCliOptions) => {
    const { config, connection } = await connectFromOptions(opts, 'rackshift admin check');
    try {
      const missing = await missingSetup(connection, config.namespace);
      for (const m of missing) console.log(m);
      if (missing.length > 0) process.exitCode = 1;
      else console.log(`namespace ${config.namespace} is ready for rackshift`);
    } finally {
      await connection.close();
    }
  });
}
