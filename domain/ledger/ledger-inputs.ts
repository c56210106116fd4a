import { z } from 'zod';
import {
  bootAssignmentSchema,
  holderSchema,
  machineRecordSchema,
  placementSchema,
  resourceSchema,
  type Lease,
} from '../../inventory/ledger-records';
import { idSchema, macSchema } from '../../inventory/patterns';

/**
 * Inputs of the site ledger's Updates (workflows/ledger/ledger-messages), validated before they
 * enter history; activities and the client build them too.
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
// Power and role are optional without the record's defaults: an update that names neither keeps
// the machine's (a partial() of a defaulted field would fill in 'idle' and demote a host).
export const machineInputSchema = machineRecordSchema
  .omit({ updatedAt: true, power: true, role: true })
  .extend({
    power: machineRecordSchema.shape.power.unwrap().optional(),
    role: machineRecordSchema.shape.role.unwrap().optional(),
    holder: holderSchema,
    /** Drop the record instead (undoing the first record of a machine). */ forget: z
      .boolean()
      .optional(),
  });
/**
 * Many machine records in one Update (what detect found on a whole scope): one history entry and
 * one in-flight Update instead of one per machine. No `forget`: that undoes a single record.
 */
export const machinesInputSchema = z.strictObject({
  holder: holderSchema,
  machines: z
    .array(machineInputSchema.omit({ holder: true, forget: true }))
    .min(1)
    .max(4096)
    .refine((ms) => new Set(ms.map((m) => m.machine)).size === ms.length, {
      message: 'each machine at most once',
    }),
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
export type MachinesInput = z.input<typeof machinesInputSchema>;
export type BootInput = z.input<typeof bootInputSchema>;

export interface AcquireResult {
  readonly granted: readonly string[];
  /** Leases taken back from runs that had ended without releasing them. */
  readonly reclaimed: readonly Lease[];
}
