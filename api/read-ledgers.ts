import type { Client } from '@temporalio/client';
import { RackshiftError } from '../common/errors';
import type { LedgerState } from '../inventory/ledger-records';
import type { LedgerClient } from '../temporal/ledger-client';

/**
 * Thrown when a site's ledger does not answer its snapshot query in time (no worker polling, server
 * down).
 */
export class LedgerUnavailableError extends RackshiftError {
  override readonly name = 'LedgerUnavailableError';
  constructor(
    readonly site: string,
    cause: unknown,
  ) {
    super(
      `the ledger of site ${site} did not answer (${(cause as Error)?.message ?? String(cause)}); is a rackshift worker running?`,
      {
        retryable: true,
        context: { site },
        cause,
      },
    );
  }
}

/**
 * Snapshots of every site's ledger, read in parallel. A query is answered by a worker, so
 * without one it would wait for the server's own timeout: the deadline keeps an API request
 * from hanging that long.
 */
export async function readLedgers(
  client: Client,
  ledger: Pick<LedgerClient, 'snapshot'>,
  sites: readonly string[],
  timeoutMs: number,
): Promise<LedgerState[]> {
  const deadline = Date.now() + timeoutMs;
  return Promise.all(
    sites.map((site) =>
      client
        .withDeadline(deadline, () => ledger.snapshot(site))
        .catch((e: unknown) => {
          throw new LedgerUnavailableError(site, e);
        }),
    ),
  );
}
