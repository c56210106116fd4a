import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './lab-fixtures';
import { waitUntilReady, type ReadyChild } from './ready-child';

export interface ApiProcess extends ReadyChild {
  readonly url: string;
}

/**
 * `rackshift api` in its own OS process, from source, as a data center runs its replicas.
 * `args` carry the connection flags; resolves once it listens.
 */
export async function spawnApi(options: {
  port: number;
  topologyFile: string;
  tokenFile: string;
  args: readonly string[];
}): Promise<ApiProcess> {
  const argv = [
    '--import',
    'tsx',
    join(ROOT, 'cli', 'bin.ts'),
    'api',
    '--topology',
    options.topologyFile,
    '--token-file',
    options.tokenFile,
    '--listen',
    `127.0.0.1:${options.port}`,
    ...options.args,
  ];
  const child = spawn(process.execPath, argv, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const ready = await waitUntilReady(child, {
    what: 'api',
    marker: 'listening on',
    timeoutMs: 90_000,
    late: 'did not listen within 90 s',
    early: 'before listening',
  });
  return { ...ready, url: `http://127.0.0.1:${options.port}` };
}
