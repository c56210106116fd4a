import { z } from 'zod';
import { idSchema } from '../../inventory/patterns';
import { topologySchema } from '../../inventory/topology-schema';

/**
 * What the failover planner reads. Pure (zod only): the planner runs inside Temporal
 * workflow code, so everything it needs arrives in this one value.
 */

/** Where a persona runs now, as the ledger records it. */
export const placementSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('machine'), machine: idSchema }),
  z.strictObject({ kind: z.literal('vm'), host: idSchema }),
  z.strictObject({ kind: z.literal('none') }),
]);

/**
 * A machine as last observed. `power: 'unknown'` means its BMC did not answer, so nothing
 * can be booted on it; `healthy: false` means it answered but reported a fault.
 */
const machineStateSchema = z.strictObject({
  machine: idSchema,
  power: z.enum(['on', 'off', 'unknown']),
  healthy: z.boolean().default(true),
});

export const leaseSchema = z.strictObject({
  kind: z.enum(['machine', 'persona']),
  id: idSchema,
  /** The run that holds it; leases held by the planning run itself do not block it. */
  holder: z.string().min(1).max(200),
});

/**
 * The part of the ledger the planner needs. It overrides the topology: where a persona
 * has a placement here, its topology `home` and any machine's `occupant` naming it are
 * ignored. Personas without an entry fall back to the topology (home, else the machine
 * naming them as occupant, else nowhere); machines without an entry are assumed reachable
 * and healthy, because the failover workflow probes its scope before planning.
 */
const ledgerSnapshotSchema = z.strictObject({
  placements: z
    .array(z.strictObject({ persona: idSchema, placement: placementSchema }))
    .default([]),
  /**
   * Machines booted as hypervisor hosts. The VMs on a host are the personas placed
   * `{ kind: 'vm', host }`; a host named only by such a placement counts as a host too,
   * so the list and the placements cannot disagree.
   */
  hypervisorHosts: z.array(idSchema).default([]),
  /**
   * The cluster of each host, as the ledger records it (hosts brought up before clusters have
   * none).
   */
  hostClusters: z.record(idSchema, idSchema).default({}),
  /**
   * Machines the ledger records in another role than hypervisor: a resting host released or
   * repurposed is no host now.
   */
  notHosts: z.array(idSchema).default([]),
  machines: z.array(machineStateSchema).default([]),
  leases: z.array(leaseSchema).default([]),
});

const plannerOptionsSchema = z
  .strictObject({
    /** May repurposable occupants be evicted? Defaults to true, or false with sparesOnly. */
    allowRepurpose: z.boolean().optional(),
    /**
     * Drills: take only free spare machines; no eviction, no existing hypervisor host (they carry
     * production VMs).
     */
    sparesOnly: z.boolean().default(false),
    /**
     * May the plan turn machines into new hypervisor hosts? Drills say no: they rehearse
     * whole-machine restores on spares.
     */
    newHosts: z.boolean().default(true),
    /** Sites whose machines may be taken; all sites when absent. */
    targetSites: z.array(idSchema).min(1).optional(),
    /** The cluster new hypervisor hosts join; required only where a site has several. */
    cluster: idSchema.optional(),
    /** The planning run's lease holder id. */
    holder: z.string().min(1).max(200).optional(),
    /**
     * Branch-and-bound node budget. The search is exact when it finishes within it; a
     * count, not a clock, so that the same input gives the same plan on every replay.
     */
    searchNodes: z.number().int().min(1).max(10_000_000).default(50_000),
  })
  .refine((o) => !(o.sparesOnly && o.allowRepurpose === true), {
    message: 'sparesOnly conflicts with allowRepurpose: a spares-only drill never evicts',
    path: ['allowRepurpose'],
  })
  .transform((o) => ({ ...o, allowRepurpose: o.allowRepurpose ?? !o.sparesOnly }));

export const plannerInputSchema = z.strictObject({
  topology: topologySchema,
  ledger: ledgerSnapshotSchema.default({
    placements: [],
    hypervisorHosts: [],
    hostClusters: {},
    notHosts: [],
    machines: [],
    leases: [],
  }),
  failedMachines: z.array(idSchema).min(1, 'name at least one failed machine'),
  options: plannerOptionsSchema.default({
    allowRepurpose: true,
    sparesOnly: false,
    newHosts: true,
    searchNodes: 50_000,
  }),
});

export type Placement = z.output<typeof placementSchema>;
export type Lease = z.output<typeof leaseSchema>;
export type LedgerSnapshot = z.output<typeof ledgerSnapshotSchema>;
export type PlannerInput = z.output<typeof plannerInputSchema>;
export type PlannerInputRaw = z.input<typeof plannerInputSchema>;
