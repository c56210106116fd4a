import { z } from 'zod';
import {
  DRILL_CLONE_ID_PATTERN,
  hostSchema,
  idSchema,
  macSchema,
  vlanSchema,
  WORKFLOW_ID_PATTERN,
} from './patterns';

/**
 * The live state (the ledger), as records. The topology says what exists; these say what is
 * true now. Pure: used by the ledger workflow, its activities, the API and the planner.
 */

/** A drill's isolated test VLAN for one production network. */
export const bubbleNetworkSchema = z.strictObject({ network: idSchema, vlan: vlanSchema });

/** Where a persona runs now. */
export const placementSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('machine'), machine: idSchema }),
  z.strictObject({ kind: z.literal('vm'), host: idSchema }),
  z.strictObject({ kind: z.literal('none') }),
]);

/** `machine:m-r1-01` or `persona:web-01`: what a lease holds. */
export const resourceSchema = z
  .string()
  .regex(
    /^(?:machine|persona):[a-z0-9][a-z0-9._-]{0,62}$/,
    'must be machine:<id> or persona:<name>',
  );

/** Workflow ids of runs: what a lease names as its holder. */
export const holderSchema = z
  .string()
  .regex(
    WORKFLOW_ID_PATTERN,
    'must be a workflow id (letters, digits, "/", ".", "_", ":", "@", "+", "-")',
  );

export const leaseSchema = z.strictObject({
  resource: resourceSchema,
  holder: holderSchema,
  purpose: z.string().max(200),
  acquiredAt: z.string(),
});

export const machineRecordSchema = z.strictObject({
  machine: idSchema,
  power: z.enum(['on', 'off', 'unknown']).default('unknown'),
  healthy: z.boolean().optional(),
  /** What it is being used as: nothing, a persona's machine, or a hypervisor host. */
  role: z.enum(['idle', 'persona', 'hypervisor']).default('idle'),
  /**
   * For a hypervisor host: the cluster it is a host of (absent in records written before clusters).
   */
  cluster: idSchema.optional(),
  updatedAt: z.string(),
});

/**
 * What makes a boot a DR drill's copy of the persona instead of the persona itself: the
 * isolated VLAN standing in for each production network, the snapshot clone standing in for
 * each LUN (the boot LUN's clone is what a SAN image boots), and where the copy answers its
 * health check when production may still answer at the persona's own address.
 */
export const drillBootSchema = z.strictObject({
  /** The drill run's workflow id. */
  run: holderSchema,
  bubble: z.array(bubbleNetworkSchema).max(256),
  luns: z
    .array(
      z.strictObject({
        array: idSchema,
        /** The production LUN, which a drill copy never sees. */
        lun: idSchema,
        clone: z
          .string()
          .regex(
            DRILL_CLONE_ID_PATTERN,
            'must be a drill clone id: <lun>.drill-<6 hex digits>, at most 63 characters',
          ),
      }),
    )
    .max(256),
  healthHost: hostSchema.optional(),
});

/** What the iPXE endpoint serves to a MAC. */
export const bootAssignmentSchema = z.strictObject({
  mac: macSchema,
  machine: idSchema,
  persona: idSchema,
  image: idSchema,
  /**
   * Only on a DR drill's copy; absent on every other boot (and in histories written before drills).
   */
  drill: drillBootSchema.optional(),
});

export const ledgerStateSchema = z.strictObject({
  site: idSchema,
  placements: z.record(idSchema, placementSchema).default({}),
  leases: z.record(resourceSchema, leaseSchema).default({}),
  machines: z.record(idSchema, machineRecordSchema).default({}),
  bootAssignments: z.record(z.string(), bootAssignmentSchema).default({}),
  /** Counts every accepted change, across continue-as-new: lets readers tell a stale snapshot. */
  version: z.number().int().min(0).default(0),
});

export type Placement = z.output<typeof placementSchema>;
export type Lease = z.output<typeof leaseSchema>;
export type MachineRecord = z.output<typeof machineRecordSchema>;
export type BootAssignment = z.output<typeof bootAssignmentSchema>;
export type DrillBoot = z.output<typeof drillBootSchema>;
export type LedgerState = z.output<typeof ledgerStateSchema>;

export const machineResource = (id: string): string => `machine:${id}`;
export const personaResource = (name: string): string => `persona:${name}`;
