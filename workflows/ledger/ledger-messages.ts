import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type {
  AcquireInput,
  AcquireResult,
  BootInput,
  MachineInput,
  MachinesInput,
  PlaceInput,
  ReleaseInput,
} from '../../domain/ledger/ledger-inputs';
import type {
  BootAssignment,
  LedgerState,
  MachineRecord,
  Placement,
} from '../../inventory/ledger-records';

/** Messages of the site ledger entity workflow; their inputs are in domain/ledger/ledger-inputs. */

export const acquireUpdate = defineUpdate<AcquireResult, [AcquireInput]>('acquire');
export const releaseUpdate = defineUpdate<{ released: readonly string[] }, [ReleaseInput]>(
  'release',
);
/** Returns the placement it replaced, for compensation. */
export const placeUpdate = defineUpdate<{ previous: Placement | null }, [PlaceInput]>('place');
/** Returns the record it replaced (null when there was none), for compensation. */
export const setMachineUpdate = defineUpdate<{ previous: MachineRecord | null }, [MachineInput]>(
  'setMachine',
);
/** Records many machines at once; returns how many (no previous records: not compensated). */
export const setMachinesUpdate = defineUpdate<{ recorded: number }, [MachinesInput]>('setMachines');
/** Returns the assignment it replaced (or null), for compensation. */
export const setBootUpdate = defineUpdate<{ previous: BootAssignment | null }, [BootInput]>(
  'setBoot',
);
export const snapshotQuery = defineQuery<LedgerState>('snapshot');
