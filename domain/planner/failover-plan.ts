import { z } from 'zod';
import { idSchema } from '../../inventory/patterns';
import { prioritySchema } from '../../inventory/topology-schema';
import { placementSchema } from './planner-input';

/**
 * What the failover planner returns. A schema, not just a type, because the plan travels
 * through workflow results, the `progress` query and the API, and is checked at each edge.
 */

/**
 * Stable codes: reports, dashboards and tests match on them; the sentence beside them is for
 * people.
 */
const unrestoredReasonSchema = z.enum([
  /** Another run holds a lease on the persona. */
  'persona-leased',
  /** No usable machine of its arch in the target sites. */
  'no-fitting-arch',
  /** Machines of its arch exist, but none has the cores and memory it needs. */
  'too-large',
  /** The only fitting machines left run occupants of equal or higher priority. */
  'occupant-outranks',
  /** The only fitting machines left need an eviction or a host the options forbid. */
  'repurpose-not-allowed',
  /** Every fitting machine is taken; a hypervisor host has room, but it may not run as a VM. */
  'vm-not-allowed',
  /** Every fitting machine and host is used by personas of higher (or equal) priority. */
  'no-capacity',
]);

const planTargetSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('machine'), machine: idSchema }),
  z.strictObject({ kind: z.literal('vm'), host: idSchema, newHost: z.boolean() }),
]);

const restorationSchema = z.discriminatedUnion('outcome', [
  z.strictObject({
    outcome: z.literal('restored'),
    persona: idSchema,
    priority: prioritySchema,
    from: placementSchema,
    target: planTargetSchema,
  }),
  z.strictObject({
    outcome: z.literal('not-restored'),
    persona: idSchema,
    priority: prioritySchema,
    from: placementSchema,
    reason: unrestoredReasonSchema,
    detail: z.string(),
  }),
]);

const evictionSchema = z.strictObject({
  machine: idSchema,
  occupant: idSchema,
  /** The stricter of the machine's declared priority and its occupant persona's. */
  occupantPriority: prioritySchema,
  /** The persona the machine is taken for; always of strictly higher priority. */
  for: idSchema,
});

const newHostSchema = z.strictObject({
  machine: idSchema,
  /** The cluster it joins (absent in plans made before clusters). */
  cluster: idSchema.optional(),
  image: idSchema,
  vms: z.array(idSchema),
});

/** Executed in order: a group starts when the one before it has finished. */
const priorityGroupSchema = z.strictObject({
  priority: prioritySchema,
  /** Hosts to bring up first: those whose highest-priority VM is in this group. */
  hypervisorHosts: z.array(idSchema),
  personas: z.array(idSchema),
});

const priorityTallySchema = z.strictObject({
  priority: prioritySchema,
  lost: z.number().int().min(0),
  restored: z.number().int().min(0),
  evicted: z.number().int().min(0),
});

export const failoverPlanSchema = z.strictObject({
  failedMachines: z.array(idSchema),
  /** One per lost persona, highest priority first, then by name. */
  restorations: z.array(restorationSchema),
  hypervisorHosts: z.array(newHostSchema),
  evictions: z.array(evictionSchema),
  groups: z.array(priorityGroupSchema),
  tally: z.array(priorityTallySchema),
  search: z.strictObject({
    nodes: z.number().int().min(0),
    /** True when the search finished within its budget, so no better plan exists. */
    optimal: z.boolean(),
  }),
});

export type UnrestoredReason = z.output<typeof unrestoredReasonSchema>;
export type PlanTarget = z.output<typeof planTargetSchema>;
export type Restoration = z.output<typeof restorationSchema>;
export type Eviction = z.output<typeof evictionSchema>;
export type NewHost = z.output<typeof newHostSchema>;
export type PriorityGroup = z.output<typeof priorityGroupSchema>;
export type FailoverPlan = z.output<typeof failoverPlanSchema>;
