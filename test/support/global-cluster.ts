import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import globalBundle from './global-bundle';
import { startTemporalCluster } from './temporal-cluster';

/**
 * jest globalSetup of the `cluster` project: one real Temporal server on PostgreSQL for the
 * whole run (its state in RACKSHIFT_CLUSTER_STATE), and the workflow bundle its workers load.
 */
export default async function globalCluster(): Promise<void> {
  await globalBundle();
  const state = await startTemporalCluster();
  const file = join(tmpdir(), `rackshift-cluster-${process.pid}.json`);
  writeFileSync(file, JSON.stringify(state));
  process.env.RACKSHIFT_CLUSTER_STATE = file;
  console.log(
    `\ncluster: PostgreSQL + schema in ${state.timings.postgresAndSchemaMs} ms; temporal-server answered ${state.timings.serverStartMs} ms after start (${state.address})`,
  );
}
