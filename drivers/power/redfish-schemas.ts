import { z } from 'zod';

/**
 * The parts of Redfish payloads the driver reads. Loose objects: BMCs add OEM properties
 * freely, and only what is listed here must have the right shape.
 */
const link = z.looseObject({ '@odata.id': z.string() });

export const serviceRootSchema = z.looseObject({
  Systems: link.optional(),
  SessionService: link.optional(),
  Links: z.looseObject({ Sessions: link.optional() }).optional(),
});

export const collectionSchema = z.looseObject({ Members: z.array(link) });

const resetActionSchema = z.looseObject({
  target: z.string(),
  'ResetType@Redfish.AllowableValues': z.array(z.string()).optional(),
  '@Redfish.ActionInfo': z.string().optional(),
});

const bootSchema = z.looseObject({
  BootSourceOverrideTarget: z.string().nullable().optional(),
  'BootSourceOverrideTarget@Redfish.AllowableValues': z.array(z.string()).optional(),
  BootSourceOverrideEnabled: z.string().nullable().optional(),
  BootSourceOverrideMode: z.string().nullable().optional(),
});

export const computerSystemSchema = z.looseObject({
  Id: z.string().optional(),
  PowerState: z.string().nullable().optional(),
  Boot: bootSchema.optional(),
  Actions: z.looseObject({ '#ComputerSystem.Reset': resetActionSchema.optional() }).optional(),
  '@odata.etag': z.string().optional(),
  /**
   * Where a BMC takes pending changes to this resource, applied at its next reset (DSP0266
   * "Settings").
   */
  '@Redfish.Settings': z.looseObject({ SettingsObject: link.optional() }).optional(),
});

/** A SettingsObject: the pending values of the resource it belongs to. */
export const settingsObjectSchema = z.looseObject({
  Boot: bootSchema.optional(),
  '@odata.etag': z.string().optional(),
});

export const actionInfoSchema = z.looseObject({
  Parameters: z
    .array(z.looseObject({ Name: z.string(), AllowableValues: z.array(z.string()).optional() }))
    .default([]),
});

export const taskSchema = z.looseObject({
  TaskState: z.string().optional(),
  Messages: z.array(z.looseObject({ Message: z.string().optional() })).optional(),
});

/** The body of a Redfish error response (DMTF Base message registry). */
export const redfishErrorSchema = z.looseObject({
  error: z.looseObject({
    message: z.string().optional(),
    '@Message.ExtendedInfo': z.array(z.looseObject({ Message: z.string().optional() })).optional(),
  }),
});

export type ServiceRoot = z.output<typeof serviceRootSchema>;
export type ComputerSystem = z.output<typeof computerSystemSchema>;
export type RedfishBoot = z.output<typeof bootSchema>;
export type ResetAction = z.output<typeof resetActionSchema>;
