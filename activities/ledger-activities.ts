import { activityInfo } from '@temporalio/activity';
import type { LedgerState } from '../inventory/ledger-records';
import type {
  AcquireInput,
  BootInput,
  MachineInput,
  MachinesInput,
  PlaceInput,
  ReleaseInput,
} from '../domain/ledger/ledger-inputs';
import type { ActivityDeps } from './activity-deps';

/**
 * Runbooks reach their site's ledger through these (a workflow cannot send an Update to
 * another workflow). The update id is derived from the calling activity, so a retry of the
 * same activity is deduplicated by the ledger.
 */
export function createLedgerActivities(deps: ActivityDeps) {
  const key = (): string => {
    try {
      const info = activityInfo();
      return `${info.workflowExecution?.workflowId}/${info.workflowExecution?.runId}/${info.activityId}`;
    } catch {
      return '';
    }
  };
  return {
    ledgerAcquire: (site: string, input: AcquireInput) => deps.ledger.acquire(site, input, key()),
    ledgerRelease: (site: string, input: ReleaseInput) => deps.ledger.release(site, input, key()),
    ledgerPlace: (site: string, input: PlaceInput) => deps.ledger.place(site, input, key()),
    ledgerSetMachine: (site: string, input: MachineInput) =>
      deps.ledger.setMachine(site, input, key()),
    ledgerSetMachines: (site: string, input: MachinesInput) =>
      deps.ledger.setMachines(site, input, key()),
    ledgerSetBoot: (site: string, input: BootInput) => deps.ledger.setBoot(site, input, key()),
    ledgerSnapshot: (site: string): Promise<LedgerState> => deps.ledger.snapshot(site),
    /** Used by the ledger itself (as a local activity) to tell which lease holders have ended. */
    openRuns: (workflowIds: string[]) => deps.ledger.openRuns(workflowIds),
  };
}

export type LedgerActivities = ReturnType<typeof createLedgerActivities>;
