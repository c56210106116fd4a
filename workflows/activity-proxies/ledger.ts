import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { LedgerActivities } from '../../activities/ledger-activities';
import { ledgerOp, undoOp } from '../activity-profiles';

/** A runbook's Updates and reads of its site's ledger. */
export const ledger = proxyActivities<LedgerActivities>(ledgerOp);

/** Releasing leases and putting records back as compensations. */
export const ledgerUndo = proxyActivities<LedgerActivities>(undoOp);

/**
 * The ledger workflow's own question "which of these runs are still open": a local activity, so
 * asking it on every lease conflict adds no activity task round trip to the ledger's history.
 */
export const { openRuns: ledgerOpenRuns } = proxyLocalActivities<
  Pick<LedgerActivities, 'openRuns'>
>({
  startToCloseTimeout: '10s',
  retry: { maximumAttempts: 3 },
});
