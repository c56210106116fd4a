import { bundleWorkflows } from '../../worker/workflow-bundle';
import type { WorkflowBundleOption } from '@temporalio/worker';

/** The bundle made by globalSetup, or (a single suite run by hand) one made now. */
export async function testWorkflowBundle(): Promise<WorkflowBundleOption> {
  const file = process.env.RACKSHIFT_WORKFLOW_BUNDLE;
  if (file) return { codePath: file };
  return bundleWorkflows();
}
