import { z } from 'zod';
import { ValidationError, type FieldIssue } from '../../common/errors';
import { parseOrThrow } from '../../common/validate';
import { bubbleNetworkSchema, holderSchema, type DrillBoot } from '../../inventory/ledger-records';
import { hostSchema, idSchema } from '../../inventory/patterns';
import type { TopologyIndex } from '../../inventory/topology-index';
import { cloneIdFor, DRILL_TAG_PATTERN } from './drill-names';
import {
  placementPlan,
  type LunTarget,
  type PlacementPlan,
  type PortTarget,
} from '../placement/placement-plan';

const drillPlacementInputSchema = z.strictObject({
  persona: idSchema,
  machine: idSchema,
  /** The drill run's workflow id; it goes into the boot assignment's `drill` block. */
  run: holderSchema,
  bubble: z.array(bubbleNetworkSchema).max(256),
  /** drillTag(run): names the clones (cloneIdFor). */
  tag: z.string().regex(DRILL_TAG_PATTERN, 'must be 6 hex digits, from drillTag'),
  healthHost: hostSchema.optional(),
});
export type DrillPlacementInput = z.input<typeof drillPlacementInputSchema>;

/**
 * A persona LUN as a drill copy sees it: `lun` is the snapshot clone, `cloneOf` the LUN it copies
 * on `array`. At another site that is the LUN's replica there, a snapshot the replication
 * interface takes (`replicaOf`: the persona's own LUN it replicates).
 */
export interface DrillLunTarget extends LunTarget {
  readonly cloneOf: string;
  readonly replicaOf?: { readonly array: string; readonly lun: string };
}

/**
 * A PlacementPlan for a drill's copy: its ports carry the bubble VLANs (NICs the persona does
 * not use are shut down, so no production VLAN reaches the copy), its LUNs are the clones,
 * and `drill` is the block its boot assignment carries.
 */
export interface DrillPlacementPlan extends Omit<PlacementPlan, 'luns'> {
  readonly luns: readonly DrillLunTarget[];
  readonly drill: DrillBoot;
}

/**
 * Pure, like placementPlan. Throws ValidationError naming the field when a network of the
 * persona has no bubble VLAN, or a bubble VLAN is a production network's VLAN (the bubble
 * would not be isolated), besides placementPlan's own refusals.
 */
export function drillPlacementPlan(
  topology: TopologyIndex,
  raw: DrillPlacementInput,
): DrillPlacementPlan {
  const input = parseOrThrow('drill placement', drillPlacementInputSchema, raw);
  const persona = topology.persona(input.persona);
  const machine = topology.machine(input.machine);
  const site = topology.machineSite(machine.id).name;
  const production = new Map(
    topology.topology.networks.filter((n) => !n.isolated).map((n) => [n.vlan, n.name]),
  );
  const isolated = new Set(topology.topology.networks.filter((n) => n.isolated).map((n) => n.vlan));
  const bubbleOf = new Map(input.bubble.map((b) => [b.network, b.vlan]));
  const networks = [...new Set(persona.networks.flatMap((n) => n.networks))];
  const issues: FieldIssue[] = [
    ...input.bubble.flatMap((b, i) => {
      const taken = production.get(b.vlan);
      if (taken !== undefined)
        return [
          {
            path: `bubble[${i}].vlan`,
            message: `VLAN ${b.vlan} of network ${b.network}'s bubble is production network ${taken}'s VLAN, so it is not isolated`,
          },
        ];
      // Declared isolated networks exist on the switches already: a drill changes ports, never a
      // VLAN database.
      return isolated.has(b.vlan)
        ? []
        : [
            {
              path: `bubble[${i}].vlan`,
              message: `VLAN ${b.vlan} is no isolated network of the topology (networks: { name, vlan: ${b.vlan}, isolated: true })`,
            },
          ];
    }),
    ...networks
      .filter((n) => !bubbleOf.has(n))
      .map((n) => ({ path: 'bubble', message: `no isolated VLAN for network ${n}` })),
  ];
  if (issues.length > 0)
    throw new ValidationError(`drill copy of ${persona.name} on ${machine.id}`, issues);
  // A bubble VLAN names an isolated network; at another site that network has the site's id.
  const isolatedName = new Map(
    topology.topology.networks.filter((n) => n.isolated).map((n) => [n.vlan, n.name]),
  );
  const bubble = input.bubble.map((b) => ({
    network: b.network,
    vlan: topology.networkVlan(isolatedName.get(b.vlan)!, site),
  }));
  const bubbleAt = new Map(bubble.map((b) => [b.network, b.vlan]));
  // Every network of the persona has a bubble VLAN now (checked above).
  const plan = placementPlan(topology, persona, machine, (n) => bubbleAt.get(n)!);
  const used = new Set(persona.networks.map((n) => n.nic));
  const unused: PortTarget[] = machine.nics
    .filter((_, i) => !used.has(i))
    .map((nic) => ({
      switchId: nic.switch,
      port: nic.port,
      desired: { mode: 'access', shutdown: true },
    }));
  // At another site the copy runs on snapshots of the LUNs' replicas there, as a failover would
  // run on the replicas.
  const luns: DrillLunTarget[] = topology.personaAt(persona, site).luns.map((l, i) => {
    const own = persona.luns[i];
    return {
      array: l.array,
      lun: cloneIdFor(l.lun, input.tag),
      boot: l.boot,
      cloneOf: l.lun,
      ...(own !== undefined && own !== l && { replicaOf: { array: own.array, lun: own.lun } }),
    };
  });
  return {
    ...plan,
    ports: [...plan.ports, ...unused],
    luns,
    drill: {
      run: input.run,
      bubble: bubble.filter((b) => networks.includes(b.network)),
      luns: luns.map((l) => ({ array: l.array, lun: l.cloneOf, clone: l.lun })),
      ...(input.healthHost !== undefined && { healthHost: input.healthHost }),
    },
  };
}
