import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleWorkflows } from '../../worker/workflow-bundle';

/**
 * Jest globalSetup of the workflow and end-to-end projects: bundles the workflows ONCE for the
 * whole run and hands the file to every suite (and to worker processes the chaos tests spawn).
 */
export default async function globalBundle(): Promise<void> {
  if (process.env.RACKSHIFT_WORKFLOW_BUNDLE) return;
  const bundle = await bundleWorkflows();
  const file = join(tmpdir(), `rackshift-workflows-${process.pid}.js`);
  writeFileSync(file, bundle.code);
  process.env.RACKSHIFT_WORKFLOW_BUNDLE = file;
}
