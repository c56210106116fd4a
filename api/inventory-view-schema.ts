import { z } from 'zod';
import { holderSchema, machineRecordSchema, placementSchema } from '../inventory/ledger-records';
import { hostSchema, idSchema, tcpPortSchema } from '../inventory/patterns';
import {
  archSchema,
  bmcDriverSchema,
  homePlacementSchema,
  personaSchema,
  poolSchema,
  prioritySchema,
} from '../inventory/topology-schema';

/**
 * What `GET /api/v1/inventory` answers: the topology joined with every site's ledger. The
 * API builds it and the CLI parses it with these schemas, so the two cannot drift apart
 * silently. Objects are not strict: an older CLI keeps working when the API adds a field.
 */

const count = z.number().int().min(0);

const leaseViewSchema = z.object({
  /** The workflow id of the run holding it. */
  holder: holderSchema,
  purpose: z.string(),
  since: z.string(),
});

const machineViewSchema = z.object({
  id: idSchema,
  site: idSchema,
  rack: idSchema,
  pool: poolSchema,
  priority: prioritySchema.nullable(),
  arch: archSchema,
  cores: count,
  memoryGiB: count,
  /** Where the BMC answers; its credential (even the name) stays out of API answers. */
  bmc: z.object({ driver: bmcDriverSchema, address: hostSchema, port: tcpPortSchema }),
  nics: z.array(
    z.object({
      name: z.string(),
      mac: z.string(),
      switch: idSchema,
      port: z.string(),
      /** What the iPXE endpoint serves to this MAC now. */
      boot: z.object({ persona: idSchema, image: idSchema }).nullable(),
    }),
  ),
  /** The topology's occupant at rest; where it runs now is `persona`. */
  occupant: idSchema.nullable(),
  /**
   * The ledger's record (power, health, role, and a host's cluster); null when the ledger has never
   * recorded this machine.
   */
  record: machineRecordSchema.omit({ machine: true }).nullable(),
  /** The persona the ledger places on this machine itself. */
  persona: idSchema.nullable(),
  /** Personas the ledger places as VMs on this machine (as hypervisor host). */
  vms: z.array(idSchema),
  lease: leaseViewSchema.nullable(),
});

const personaViewSchema = z.object({
  name: idSchema,
  priority: prioritySchema,
  image: idSchema,
  vmAllowed: z.boolean(),
  requirements: personaSchema.shape.requirements,
  home: homePlacementSchema.nullable(),
  /** From the ledger only: a persona the ledger has never placed is `none`, whatever its home. */
  placement: placementSchema,
  /** The site of the machine or host it runs on now. */
  site: idSchema.nullable(),
  lease: leaseViewSchema.nullable(),
});

const roleCountKeySchema = z.enum(['idle', 'persona', 'hypervisor', 'unrecorded']);

const siteSummarySchema = z.object({
  name: idSchema,
  /** The ledger's change counter: lets a reader tell two answers apart. */
  ledgerVersion: count,
  machines: z.object({
    total: count,
    byPool: z.record(poolSchema, count),
    /** `unrecorded`: machines the ledger has no record of yet. */
    byRole: z.record(roleCountKeySchema, count),
  }),
  leases: count,
  personas: z.object({
    /** Running on this site's machines (physically or as VMs). */
    placed: count,
    /** Homed at this site and running nowhere. */
    notPlaced: count,
  }),
});

/**
 * A ledger entry the join could not use (it names something the topology lacks, or contradicts
 * another entry).
 */
const inventoryIssueSchema = z.object({
  /** The site whose ledger holds the entry. */
  site: idSchema,
  /**
   * Where in that ledger: `placements.web-01`, `leases.machine:m-r1-01`, `machines.m-x`,
   * `bootAssignments.<mac>`.
   */
  entry: z.string(),
  machine: idSchema.optional(),
  persona: idSchema.optional(),
  message: z.string(),
});

const clusterViewSchema = z.object({
  name: idSchema,
  image: idSchema,
  /** The sites it serves; null: every site. */
  sites: z.array(idSchema).nullable(),
  /** Its hosts at rest, as the topology declares them. */
  restingHosts: z.array(idSchema),
  /** Machines the ledger records as its hosts now. */
  hosts: z.array(idSchema),
});

export const inventoryViewSchema = z.object({
  sites: z.array(siteSummarySchema),
  clusters: z.array(clusterViewSchema),
  totals: z.object({
    machines: count,
    personas: count,
    placed: count,
    notPlaced: count,
    leases: count,
  }),
  machines: z.array(machineViewSchema),
  personas: z.array(personaViewSchema),
  issues: z.array(inventoryIssueSchema),
});

export const machineDetailSchema = z.object({
  machine: machineViewSchema,
  issues: z.array(inventoryIssueSchema),
});
export const personaDetailSchema = z.object({
  persona: personaViewSchema,
  issues: z.array(inventoryIssueSchema),
});

export type LeaseView = z.output<typeof leaseViewSchema>;
export type MachineView = z.output<typeof machineViewSchema>;
export type PersonaView = z.output<typeof personaViewSchema>;
export type SiteSummary = z.output<typeof siteSummarySchema>;
export type InventoryIssue = z.output<typeof inventoryIssueSchema>;
export type InventoryView = z.output<typeof inventoryViewSchema>;
