/** The one task queue rackshift's workflows and activities run on. */
export const TASK_QUEUE = 'rackshift';
export const NAMESPACE = 'default';
