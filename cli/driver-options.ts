import type { Command } from 'commander';

/** The diagnostics that talk to one device straight through its driver, no workflow. */
export interface DriverCliOptions {
  readonly topology: string;
  readonly secrets?: string;
}

/** `--topology` and `--secrets`, as `rackshift machine …` and `rackshift switch …` take them. */
export const driverOptions = (cmd: Command): Command =>
  cmd
    .option('--topology <file>', 'topology file', 'examples/lab-small.yaml')
    .option(
      '--secrets <file>',
      'secrets file (default $RACKSHIFT_SECRETS_FILE; the lab writes .rackshift/lab/secrets.yaml)',
      process.env.RACKSHIFT_SECRETS_FILE,
    );
