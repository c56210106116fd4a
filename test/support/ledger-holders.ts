import type { Client } from '@temporalio/client';

/** A queue no worker polls: a holder started there stays RUNNING and does nothing. */
const IDLE_QUEUE = 'rackshift-test-idle-holders';

/**
 * A real lease holder for tests that drive the ledger by hand: a run of a rackshift runbook type
 * (`repurpose` unless said), started on a queue no worker polls, so it exists and is RUNNING
 * exactly as the ledger checks, and never touches a machine. Its id is `<type>/test-<name>`.
 */
export async function startHolder(
  client: Client,
  name: string,
  type = 'repurpose',
): Promise<string> {
  const workflowId = `${type}/test-${name}`;
  await client.workflow.start(type, {
    taskQueue: IDLE_QUEUE,
    workflowId,
    args: [],
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
  return workflowId;
}

/** Ends a holder's run, as a finished or crashed runbook would. */
export async function endHolder(client: Client, holder: string): Promise<void> {
  await client.workflow.getHandle(holder).terminate('test: the holder run ends');
}
