/** The one task queue rackshift's workflows and activities run on. */
export const TASK_QUEUE = 'rackshift';
/**
 * rackshift's own namespace, everywhere by default: `rackshift dev` creates it on its embedded
 * server, `rackshift admin setup` on a cluster (docker-compose.yml uses it too).
 */
export const NAMESPACE = 'rackshift';
