import { rmSync } from 'node:fs';
import { clusterState, stopTemporalCluster } from './temporal-cluster';

/**
 * jest globalTeardown of the `cluster` project: the server (whichever process last started it) and
 * PostgreSQL.
 */
export default async function globalClusterTeardown(): Promise<void> {
  if (!process.env.RACKSHIFT_CLUSTER_STATE) return;
  await stopTemporalCluster(clusterState());
  rmSync(process.env.RACKSHIFT_CLUSTER_STATE, { force: true });
}
