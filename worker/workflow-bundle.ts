import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';

/** The workflows' entry point, from source (tests) or from dist/ (the built CLI). */
export function workflowsPath(): string {
  return require.resolve('../workflows/index');
}

/** Bundles every workflow once; a worker given the result starts in well under a second. */
export function bundleWorkflows(): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({ workflowsPath: workflowsPath(), logger: { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} } as never });
}
