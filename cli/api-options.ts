import type { Command } from 'commander';
import type { ApiClientOptions } from './api-client';

/** What a command that talks to the API receives from the options below. */
export interface ApiCommandOptions extends ApiClientOptions {
  readonly data: string;
}

/** --api, --token and --data: every command that goes through the API takes the same three. */
export const apiOptions = (cmd: Command): Command =>
  cmd
    .option('--api <url>', 'API base URL (default $RACKSHIFT_API or http://127.0.0.1:8080)')
    .option('--token <token>', 'API token (default $RACKSHIFT_TOKEN or <data>/admin.token)')
    .option('--data <dir>', 'data folder of `rackshift dev`, where admin.token is', '.rackshift');
