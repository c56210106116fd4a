import { randomBytes } from 'node:crypto';
import type { SearchAttributePair } from '@temporalio/common';
import { z } from 'zod';
import type { FieldIssue } from '../common/errors';
import type { TopologyIndex } from '../inventory/topology-index';
import { MACHINE_KEY, PERSONA_KEY, RUNBOOK_KEY, SITE_KEY } from '../temporal/search-attributes';
import { powerInputSchema } from '../workflows/power/power-input';
import { repurposeInputSchema } from '../workflows/repurpose/repurpose-input';
import { p2vInputSchema } from '../workflows/p2v/p2v-input';
import { v2pInputSchema } from '../workflows/v2p/v2p-input';
import { vmRestartInputSchema } from '../workflows/vm-restart/vm-restart-input';
import { hypervisorBringupInputSchema } from '../workflows/hypervisor-bringup/hypervisor-bringup-input';
import { releaseInputSchema } from '../workflows/release/release-input';
import { chooseCluster } from '../inventory/hypervisor-cluster';
import {
  scopeIssues,
  scopeLabel,
  scopeMachines,
  scopeSites,
} from '../inventory/failover-scope-machines';
import { siteFailoverInputSchema } from '../workflows/site-failover/site-failover-input';
import { drDrillInputSchema } from '../workflows/dr-drill/dr-drill-input';
import { failbackInputSchema } from '../workflows/failback/failback-input';

/** What the API and CLI need to know to start a runbook; workflows know none of it. */
export interface RunbookEntry<S extends z.ZodType = z.ZodType> {
  readonly name: string;
  readonly description: string;
  readonly workflowType: string;
  readonly inputSchema: S;
  /**
   * Topology checks the schema cannot make (the machine exists…), as field issues under `input`.
   */
  check(input: z.output<S>, topology: TopologyIndex): FieldIssue[];
  /** A workflow id that says what the run is: `power/m-r1-01/20261125T084512-3fa9`. */
  workflowId(input: z.output<S>, now: Date): string;
  searchAttributes(input: z.output<S>, topology: TopologyIndex): SearchAttributePair[];
}

function runSuffix(now: Date): string {
  return `${now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}-${randomBytes(2).toString('hex')}`;
}

function machineIssues(id: string, topology: TopologyIndex, path = 'input.machine'): FieldIssue[] {
  return topology.hasMachine(id) ? [] : [{ path, message: `unknown machine "${id}"` }];
}

const powerRunbook: RunbookEntry<typeof powerInputSchema> = {
  name: 'power',
  description:
    'power a machine on, off, soft-off (falling back to hard off after a grace time) or cycle, optionally setting its boot device first',
  workflowType: 'power',
  inputSchema: powerInputSchema,
  check: (input, topology) => machineIssues(input.machine, topology),
  workflowId: (input, now) => `power/${input.machine}/${runSuffix(now)}`,
  searchAttributes: (input, topology) => [
    { key: RUNBOOK_KEY, value: 'power' },
    { key: SITE_KEY, value: topology.machineSite(input.machine).name },
    { key: MACHINE_KEY, value: [input.machine] },
  ],
};

/**
 * A run that moves a persona, onto `target` when named: its site is the target's (else the
 * persona's), and the machine is searchable only when named.
 */
function personaMoveAttributes(
  runbook: string,
  persona: string,
  target: string | undefined,
  topology: TopologyIndex,
): SearchAttributePair[] {
  return [
    { key: RUNBOOK_KEY, value: runbook },
    {
      key: SITE_KEY,
      value: target ? topology.machineSite(target).name : personaSite(persona, topology),
    },
    { key: PERSONA_KEY, value: [persona] },
    ...(target ? [{ key: MACHINE_KEY, value: [target] }] : []),
  ];
}

function personaIssues(
  name: string,
  topology: TopologyIndex,
  path = 'input.persona',
): FieldIssue[] {
  try {
    topology.persona(name);
    return [];
  } catch {
    return [{ path, message: `unknown persona "${name}"` }];
  }
}

/** The site a persona belongs to: its home's, else the first site. */
function personaSite(name: string, topology: TopologyIndex): string {
  const home = topology.persona(name).home;
  return home === undefined
    ? topology.topology.sites[0]!.name
    : topology.machineSite('machine' in home ? home.machine : home.host).name;
}

const repurposeRunbook: RunbookEntry<typeof repurposeInputSchema> = {
  name: 'repurpose',
  description:
    'put a persona on a machine (chosen if not given: spares first, then repurposable ones), evicting a less important occupant when allowed; undone step by step on failure',
  workflowType: 'repurpose',
  inputSchema: repurposeInputSchema,
  check: (input, topology) => [
    ...personaIssues(input.persona, topology),
    ...(input.machine === undefined ? [] : machineIssues(input.machine, topology)),
  ],
  workflowId: (input, now) => `repurpose/${input.persona}/${runSuffix(now)}`,
  searchAttributes: (input, topology) =>
    personaMoveAttributes('repurpose', input.persona, input.machine, topology),
};

const hypervisorBringupRunbook: RunbookEntry<typeof hypervisorBringupInputSchema> = {
  name: 'hypervisor-bringup',
  description:
    'make a machine a host of a cluster (its VLAN trunks, shared datastores and image; default: the cluster the machine rests in, else the only one of its site), evicting a less important occupant when allowed, until its libvirt answers; undone step by step on failure',
  workflowType: 'hypervisorBringup',
  inputSchema: hypervisorBringupInputSchema,
  check: (input, topology) => {
    const choice = chooseCluster(topology, input.machine, input.cluster);
    return 'issues' in choice ? [...choice.issues] : [];
  },
  workflowId: (input, now) => `hypervisor-bringup/${input.machine}/${runSuffix(now)}`,
  searchAttributes: (input, topology) => [
    { key: RUNBOOK_KEY, value: 'hypervisor-bringup' },
    { key: SITE_KEY, value: topology.machineSite(input.machine).name },
    { key: MACHINE_KEY, value: [input.machine] },
  ],
};

const releaseRunbook: RunbookEntry<typeof releaseInputSchema> = {
  name: 'release',
  description:
    'stop a persona (clean shutdown, hard after a grace time; a VM is shut down and removed) and return its machine to spare: LUNs unmasked, boot assignment cleared, ports shut; or, given a machine, take a hypervisor host out of its cluster the same way, refused while VMs live on it',
  workflowType: 'release',
  inputSchema: releaseInputSchema,
  check: (input, topology) =>
    input.persona !== undefined
      ? personaIssues(input.persona, topology)
      : machineIssues(input.machine!, topology, 'input.machine'),
  workflowId: (input, now) => `release/${input.persona ?? input.machine!}/${runSuffix(now)}`,
  searchAttributes: (input, topology) =>
    input.persona !== undefined
      ? [
          { key: RUNBOOK_KEY, value: 'release' },
          { key: SITE_KEY, value: personaSite(input.persona, topology) },
          { key: PERSONA_KEY, value: [input.persona] },
        ]
      : [
          { key: RUNBOOK_KEY, value: 'release' },
          { key: SITE_KEY, value: topology.machineSite(input.machine!).name },
          { key: MACHINE_KEY, value: [input.machine!] },
        ],
};

function hostIssues(id: string, topology: TopologyIndex): FieldIssue[] {
  const unknown = machineIssues(id, topology, 'input.host');
  if (unknown.length > 0) return unknown;
  return topology.machine(id).hypervisor === undefined
    ? [
        {
          path: 'input.host',
          message: `machine ${id} has no hypervisor endpoint (a "hypervisor" block), so it cannot run VMs`,
        },
      ]
    : [];
}

const p2vRunbook: RunbookEntry<typeof p2vInputSchema> = {
  name: 'p2v',
  description:
    "move a persona from its physical machine to a VM on a hypervisor host (chosen if not given): san mode re-points its LUNs and VLANs, copy mode streams the machine's disk to a new volume (resumable, checksummed); undone step by step on failure",
  workflowType: 'p2v',
  inputSchema: p2vInputSchema,
  check: (input, topology) => [
    ...personaIssues(input.persona, topology),
    ...(input.host === undefined ? [] : hostIssues(input.host, topology)),
  ],
  workflowId: (input, now) => `p2v/${input.persona}/${runSuffix(now)}`,
  searchAttributes: (input, topology) =>
    personaMoveAttributes('p2v', input.persona, input.host, topology),
};

const v2pRunbook: RunbookEntry<typeof v2pInputSchema> = {
  name: 'v2p',
  description:
    'move a persona from its VM back to a physical machine (chosen if not given): the VM is stopped and removed, its LUNs and VLANs move to the machine, which boots it; undone step by step on failure',
  workflowType: 'v2p',
  inputSchema: v2pInputSchema,
  check: (input, topology) => [
    ...personaIssues(input.persona, topology),
    ...(input.machine === undefined ? [] : machineIssues(input.machine, topology)),
  ],
  workflowId: (input, now) => `v2p/${input.persona}/${runSuffix(now)}`,
  searchAttributes: (input, topology) =>
    personaMoveAttributes('v2p', input.persona, input.machine, topology),
};

const vmRestartRunbook: RunbookEntry<typeof vmRestartInputSchema> = {
  name: 'vm-restart',
  description:
    'restart a VM whose hypervisor host died on another host (chosen if not given) from its SAN LUNs: the dead host fenced first (its LUNs unmasked; with fence full powered off if its BMC answers and its ports shut), VLANs trunked, the VM defined and started, health checked, recorded; undone step by step on failure',
  workflowType: 'vmRestart',
  inputSchema: vmRestartInputSchema,
  check: (input, topology) => [
    ...personaIssues(input.persona, topology),
    ...(input.host === undefined ? [] : hostIssues(input.host, topology)),
    ...(input.from === undefined ? [] : machineIssues(input.from, topology, 'input.from')),
  ],
  workflowId: (input, now) => `vm-restart/${input.persona}/${runSuffix(now)}`,
  searchAttributes: (input, topology) =>
    personaMoveAttributes('vm-restart', input.persona, input.host, topology),
};

function networkIssues(
  bubble: readonly { network: string; vlan: number }[],
  topology: TopologyIndex,
): FieldIssue[] {
  const production = new Map(
    topology.topology.networks.filter((n) => !n.isolated).map((n) => [n.vlan, n.name]),
  );
  const isolated = new Set(topology.topology.networks.filter((n) => n.isolated).map((n) => n.vlan));
  const issues: FieldIssue[] = [];
  bubble.forEach((b, i) => {
    if (!topology.topology.networks.some((n) => n.name === b.network))
      issues.push({
        path: `input.bubble[${i}].network`,
        message: `unknown network "${b.network}"`,
      });
    const clash = production.get(b.vlan);
    if (clash !== undefined)
      issues.push({
        path: `input.bubble[${i}].vlan`,
        message: `VLAN ${b.vlan} is production network ${clash}; a bubble VLAN must be isolated`,
      });
    else if (!isolated.has(b.vlan))
      issues.push({
        path: `input.bubble[${i}].vlan`,
        message: `VLAN ${b.vlan} is no isolated network of the topology; declare it (networks: { name, vlan: ${b.vlan}, isolated: true }) so it exists on the switches before a drill uses it`,
      });
  });
  return issues;
}

/** A named cluster must exist; whether it serves the sites a plan needs is the planner's to say. */
function clusterIssues(cluster: string | undefined, topology: TopologyIndex): FieldIssue[] {
  return cluster === undefined || topology.hasCluster(cluster)
    ? []
    : [
        {
          path: 'input.cluster',
          message: `unknown cluster "${cluster}" (declare it under clusters)`,
        },
      ];
}

const siteFailoverRunbook: RunbookEntry<typeof siteFailoverInputSchema> = {
  name: 'site-failover',
  description:
    "find the failed machines of a site, racks or machines (parallel BMC and health probes, or all of them), plan (priorities; spares first, then repurposable machines lowest priority first; when short, new hypervisor hosts and VMs), optionally wait for approval, restore by priority group within per-switch, per-array and per-BMC limits, and report each persona's RTO and what was not restored and why",
  workflowType: 'siteFailover',
  inputSchema: siteFailoverInputSchema,
  check: (input, topology) => [
    ...scopeIssues(input, topology),
    ...(input.targetSites ?? []).flatMap((s, i) =>
      topology.topology.sites.some((x) => x.name === s)
        ? []
        : [{ path: `input.targetSites[${i}]`, message: `unknown site "${s}"` }],
    ),
    ...clusterIssues(input.cluster, topology),
    ...(input.hypervisorImage === undefined
      ? []
      : [
          {
            path: 'input.hypervisorImage',
            message:
              'no longer used: each cluster names its image; name the cluster in input.cluster',
          },
        ]),
  ],
  workflowId: (input, now) => `site-failover/${scopeLabel(input)}/${runSuffix(now)}`,
  searchAttributes: (input, topology) => [
    { key: RUNBOOK_KEY, value: 'site-failover' },
    { key: SITE_KEY, value: scopeSites(input, topology)[0] ?? topology.topology.sites[0]!.name },
    { key: MACHINE_KEY, value: scopeMachines(input, topology).slice(0, 100) },
  ],
};

const drDrillRunbook: RunbookEntry<typeof drDrillInputSchema> = {
  name: 'dr-drill',
  description:
    'rehearse a site failover without touching production: the same plan on spare machines (repurposable ones only when allowed), bubble VLANs instead of production ones, snapshot clones instead of production LUNs; verify health, measure RTO, then always clean up',
  workflowType: 'drDrill',
  inputSchema: drDrillInputSchema,
  check: (input, topology) => [
    ...scopeIssues(input, topology),
    ...networkIssues(input.bubble, topology),
    ...clusterIssues(input.cluster, topology),
  ],
  workflowId: (input, now) => `dr-drill/${scopeLabel(input)}/${runSuffix(now)}`,
  searchAttributes: (input, topology) => [
    { key: RUNBOOK_KEY, value: 'dr-drill' },
    { key: SITE_KEY, value: scopeSites(input, topology)[0] ?? topology.topology.sites[0]!.name },
  ],
};

const failbackRunbook: RunbookEntry<typeof failbackInputSchema> = {
  name: 'failback',
  description:
    'bring personas back to their home placement once it is repaired (those a site-failover run restored, or the ones named), as planned moves, then free the DR machines and hypervisor hosts',
  workflowType: 'failback',
  inputSchema: failbackInputSchema,
  check: (input, topology) =>
    (input.personas ?? []).flatMap((p, i) => personaIssues(p, topology, `input.personas[${i}]`)),
  workflowId: (input, now) =>
    `failback/${input.personas ? (input.personas.length === 1 ? input.personas[0] : `${input.personas[0]}+${input.personas.length - 1}`) : 'run'}/${runSuffix(now)}`,
  searchAttributes: (input) => [
    { key: RUNBOOK_KEY, value: 'failback' },
    ...(input.personas ? [{ key: PERSONA_KEY, value: input.personas.slice(0, 100) }] : []),
  ],
};

export const RUNBOOKS: readonly RunbookEntry[] = [
  powerRunbook,
  repurposeRunbook,
  hypervisorBringupRunbook,
  releaseRunbook,
  p2vRunbook,
  v2pRunbook,
  vmRestartRunbook,
  siteFailoverRunbook,
  drDrillRunbook,
  failbackRunbook,
] as unknown as readonly RunbookEntry[];

export function findRunbook(name: string): RunbookEntry | undefined {
  return RUNBOOKS.find((r) => r.name === name);
}

/** The input's JSON Schema, as published by GET /api/v1/runbooks. */
export function inputJsonSchema(entry: RunbookEntry): unknown {
  return z.toJSONSchema(entry.inputSchema, { io: 'input', unrepresentable: 'any' });
}
