import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './lab-fixtures';
import { waitUntilReady, type ReadyChild } from './ready-child';

export type WorkerProcess = ReadyChild;

/**
 * A rackshift worker in its own OS process, from source (tsx), so that chaos tests can SIGKILL
 * it mid-run. Resolves once the worker says it is polling. `bundle` defaults to the one jest's
 * globalSetup built for the run, when there is one. `args`: more flags (namespace, disk transfer…).
 * `built`: the compiled CLI (bin/rackshift.js, after `npm run build`) with the bundle the build
 * wrote, as a production host runs it.
 */
export async function spawnWorker(options: {
  temporal: string;
  topologyFile: string;
  secretsFile: string;
  bundle?: string;
  args?: readonly string[];
  built?: boolean;
}): Promise<WorkerProcess> {
  if (options.built && !existsSync(join(ROOT, 'dist', 'cli', 'main.js')))
    throw new Error(
      'the built CLI is missing: run `npm run build` (scripts/test.sh does) before this suite',
    );
  const cli = options.built
    ? [join(ROOT, 'bin', 'rackshift.js')]
    : ['--import', 'tsx', join(ROOT, 'cli', 'bin.ts')];
  const args = [
    ...cli,
    'worker',
    '--temporal',
    options.temporal,
    '--topology',
    options.topologyFile,
    '--secrets',
    options.secretsFile,
    ...(options.args ?? []),
  ];
  const bundle = options.built
    ? undefined
    : (options.bundle ?? process.env.RACKSHIFT_WORKFLOW_BUNDLE);
  if (bundle) args.push('--workflow-bundle', bundle);

  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TEMPORAL_LOG_LEVEL: 'warn' },
  });
  // Not the SDK's "not polling for Nexus tasks" log line, which can come first.
  return waitUntilReady(child, {
    what: 'worker',
    marker: ': polling ',
    timeoutMs: 60_000,
    late: 'did not start within 60 s',
    early: 'before polling',
  });
}
