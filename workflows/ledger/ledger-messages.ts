import { defineQuery, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import {
  bootAssignmentSchema,
  holderSchema,
  machineRecordSchema,
  placementSchema,
  resourceSchema,
  type BootAssignment,
  type LedgerState,
  type Lease,
  type MachineRecord,
  type Placement,
} from '../../inventory/ledger-records';
import { idSchema, macSchema } from '../../inventory/patterns';

/**
 * Messages of the site ledger entity workflow; each Update's input is validated before it enters
 * history.
 */

export const acquireInputSchema = z.strictObject({
  holder: holderSchema,
  resources: z.array(resourceSchema).min(1).max(256),
  purpose: z.string().max(200).default(''),
  /** Machines that must carry no persona (but those listed) at the moment the lease is granted. */
  vacant: z
    .array(z.strictObject({ machine: idSchema, except: z.array(idSchema).max(16).default([]) }))
    .max(64)
    .default([]),
});
export const releaseInputSchema = z.strictObject({
  holder: holderSchema,
  /** Release only these; all the holder's leases when absent. */
  resources: z.array(resourceSchema).max(256).optional(),
});
export const placeInputSchema = z.strictObject({
  holder: holderSchema,
  persona: idSchema,
  /** null forgets the entry (undoing a persona's first placement). */
  placement: placementSchema.nullable(),
});
export const machineInputSchema = machineRecordSchema
  .omit({ updatedAt: true })
  .partial({ power: true, role: true })
  .extend({
    holder: holderSchema,
    /** Drop the record instead (undoing the first record of a machine). */ forget: z
      .boolean()
      .optional(),
  });
export const bootInputSchema = z.strictObject({
  holder: holderSchema,
  mac: macSchema,
  /** The machine the MAC belongs to; the holder must lease it. */
  machine: idSchema,
  /** null removes the assignment (the MAC falls through to the next boot device). */
  assignment: bootAssignmentSchema.nullable(),
});

export type AcquireInput = z.input<typeof acquireInputSchema>;
export type ReleaseInput = z.input<typeof releaseInputSchema>;
export type PlaceInput = z.input<typeof placeInputSchema>;
export type MachineInput = z.input<typeof machineInputSchema>;
export type BootInput = z.input<typeof bootInputSchema>;

export interface AcquireResult {
  readonly granted: readonly string[];
  /** Leases taken back from runs that had ended without releasing them. */
  readonly reclaimed: readonly Lease[];
}

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
/** Returns the assignment it replaced (or null), for compensation. */
export const setBootUpdate = defineUpdate<{ previous: BootAssignment | null }, [BootInput]>(
  'setBoot',
);
export const snapshotQuery = defineQuery<LedgerState>('snapshot');
