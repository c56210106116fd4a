import type { Command } from 'commander';
import type { ApiClientOptions } from './api-client';

/** What a command that talks to the API receives from the options below. */
export interface ApiCommandOptions extends ApiClientOptions {
  readonly data: string;
}

/**
 * --api, --data (and the deprecated --token): every command that goes through the API takes the
 * same ones, and --json. The token comes from RACKSHIFT_TOKEN or the config file, never argv.
 */
export const apiOptions = (cmd: Command): Command =>
  cmd
    .option(
      '--api <url>',
      "API base URL (default $RACKSHIFT_API, the config file's api, or http://127.0.0.1:8080)",
    )
    .option(
      '--token <token>',
      'DEPRECATED (visible in ps): set $RACKSHIFT_TOKEN or the config file ($RACKSHIFT_CONFIG or ~/.config/rackshift/config.yaml, mode 0600)',
    )
    .option(
      '--data <dir>',
      'data folder of `rackshift dev`, whose admin.token is the last resort',
      '.rackshift',
    );
