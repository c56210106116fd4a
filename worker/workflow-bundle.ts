import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Where `npm run build` writes the prebuilt bundle: beside this file in dist/worker/. */
export const PREBUILT_BUNDLE = join(__dirname, 'workflows.bundle.js');

/**
 * The prebuilt bundle, if the build wrote one and it is newer than the compiled workflows it
 * came from (a stale bundle would run old workflow code); from source there is none.
 */
export function prebuiltWorkflowBundle(): string | undefined {
  if (!existsSync(PREBUILT_BUNDLE)) return undefined;
  const entry = workflowsPath();
  return statSync(PREBUILT_BUNDLE).mtimeMs >= statSync(entry).mtimeMs ? PREBUILT_BUNDLE : undefined;
}

/** The workflows' entry point, from source (tests) or from dist/ (the built CLI). */
export function workflowsPath(): string {
  return require.resolve('../workflows/index');
}

/** Bundles every workflow once; a worker given the result starts in well under a second. */
export function bundleWorkflows(): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({
    workflowsPath: workflowsPath(),
    logger: {
      trace() {},
      debug() {},
      info() {},
      warn: console.warn,
      error: console.error,
      log() {},
    } as never,
  });
}
