import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { LedgerActivities } from '../../activities/ledger-activities';
import { holderCheckOp, ledgerOp, undoOp } from '../activity-profiles';

/** A runbook's Updates and reads of its site's ledger. */
export const ledger = proxyActivities<LedgerActivities>(ledgerOp);

/** Releasing leases and putting records back as compensations. */
export const ledgerUndo = proxyActivities<LedgerActivities>(undoOp);

/**
 * The ledger workflow's own questions (which holders are running rackshift runs, which have
 * ended), as activities: their answers are events in the ledger's history, so an Update handler
 * that awaits one replays in the order it ran.
 */
export const ledgerChecks =
  proxyActivities<Pick<LedgerActivities, 'checkHolders' | 'openRuns'>>(holderCheckOp);

/**
 * "Which of these runs are still open" as a local activity, as ledgers asked it before
 * ledger-verifies-holders-by-activity; kept for their replay.
 */
export const { openRuns: ledgerOpenRuns } = proxyLocalActivities<
  Pick<LedgerActivities, 'openRuns'>
>({
  startToCloseTimeout: '10s',
  retry: { maximumAttempts: 3 },
});
