import type { Command } from 'commander';
import type { z } from 'zod';
import {
  inventoryViewSchema,
  machineDetailSchema,
  personaDetailSchema,
  type InventoryIssue,
  type LeaseView,
  type MachineView,
  type PersonaView,
} from '../../api/inventory-view-schema';
import { ValidationError } from '../../common/errors';
import { fieldIssues } from '../../common/field-path';
import { ApiClient } from '../api-client';
import { apiOptions, type ApiCommandOptions } from '../api-options';
import { textTable } from '../text-table';

type InventoryOptions = ApiCommandOptions & { json?: boolean };

/**
 * The API's answer, checked against the schema it was built with: a CLI of another version says so
 * instead of printing nonsense.
 */
async function get<S extends z.ZodType>(
  opts: InventoryOptions,
  path: string,
  schema: S,
): Promise<z.output<S>> {
  const body = await new ApiClient(opts).request<unknown>('GET', path);
  const parsed = schema.safeParse(body);
  if (!parsed.success)
    throw new ValidationError(
      `the API's answer to ${path} (is this CLI the same version as the API?)`,
      fieldIssues(parsed.error),
    );
  return parsed.data;
}

const placementText = (p: PersonaView): string => {
  const at = p.site === null ? '' : ` (${p.site})`;
  if (p.placement.kind === 'machine') return `${p.placement.machine}${at}`;
  if (p.placement.kind === 'vm') return `vm on ${p.placement.host}${at}`;
  return 'not placed';
};

const leaseText = (l: LeaseView | null): string =>
  l === null ? '-' : `${l.holder}${l.purpose === '' ? '' : ` (${l.purpose})`} since ${l.since}`;

const runsText = (m: MachineView): string =>
  m.persona ?? (m.vms.length > 0 ? `vms: ${m.vms.join(',')}` : '-');

const powerText = (m: MachineView): string =>
  `${m.record?.power ?? 'unknown'}${m.record?.healthy === false ? ' (unhealthy)' : ''}`;

function printIssues(issues: readonly InventoryIssue[]): void {
  if (issues.length === 0) return;
  console.log('\nledger entries not shown:');
  for (const i of issues) console.log(`  ${i.site} ${i.entry}: ${i.message}`);
}

interface Details {
  readonly title: string;
  readonly lines: ReadonlyArray<readonly [string, string]>;
}

function machineDetails(m: MachineView): Details {
  return {
    title: `${m.id}  ${m.site}/${m.rack}  ${m.pool}${m.priority === null ? '' : ` priority ${m.priority}`}  ${m.arch}, ${m.cores} cores, ${m.memoryGiB} GiB`,
    lines: [
      ['BMC', `${m.bmc.driver} ${m.bmc.address}:${m.bmc.port}`],
      ...m.nics.map(
        (n) =>
          [
            n.name,
            `${n.mac} on ${n.switch} ${n.port}${n.boot === null ? '' : `, boots ${n.boot.persona} (${n.boot.image})`}`,
          ] as const,
      ),
      [
        'power',
        `${m.record?.power ?? 'unknown'}${m.record?.healthy === undefined ? '' : m.record.healthy ? ', healthy' : ', unhealthy'}`,
      ],
      [
        'role',
        m.record === null
          ? 'not recorded by the ledger'
          : `${m.record.role} (recorded ${m.record.updatedAt})`,
      ],
      ['persona', m.persona ?? '-'],
      ['VMs', m.vms.length > 0 ? m.vms.join(', ') : '-'],
      ['occupant', m.occupant ?? '-'],
      ['lease', leaseText(m.lease)],
    ],
  };
}

function personaDetails(p: PersonaView): Details {
  return {
    title: `${p.name}  priority ${p.priority}  image ${p.image}${p.vmAllowed ? '  may run as a VM' : ''}`,
    lines: [
      [
        'needs',
        `${p.requirements.arch}, ${p.requirements.cores} cores, ${p.requirements.memoryGiB} GiB`,
      ],
      [
        'home',
        p.home === null ? '-' : 'machine' in p.home ? p.home.machine : `vm on ${p.home.host}`,
      ],
      ['placement', placementText(p)],
      ['lease', leaseText(p.lease)],
    ],
  };
}

/**
 * `inventory machine <id>` and `inventory persona <name>`: one item's details, or with --json the
 * API's answer.
 */
function detailCommand<S extends z.ZodType<{ issues: InventoryIssue[] }>>(
  parent: Command,
  spec: {
    name: string;
    argument: string;
    description: string;
    path: string;
    schema: S;
    details: (answer: z.output<S>) => Details;
  },
): void {
  parent
    .command(spec.name)
    .description(spec.description)
    .argument(`<${spec.argument}>`)
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<InventoryOptions>();
      const answer = await get(opts, `${spec.path}/${encodeURIComponent(id)}`, spec.schema);
      if (opts.json) {
        console.log(JSON.stringify(answer, null, 2));
        return;
      }
      const { title, lines } = spec.details(answer);
      const width = Math.max(...lines.map(([k]) => k.length));
      console.log(title);
      for (const [k, v] of lines) console.log(`  ${k.padEnd(width)}  ${v}`);
      printIssues(answer.issues);
    });
}

/**
 * `rackshift inventory` [machine <id> | persona <name>]: the topology joined with every site's
 * ledger, through the API.
 */
export function registerInventoryCommands(program: Command): void {
  // The options live on `inventory` itself; its subcommands read them with optsWithGlobals(), so
  // they work before or after the subcommand.
  const inventory = apiOptions(
    program
      .command('inventory')
      .description('machines and personas with their live state: power, role, placement, leases'),
  )
    .option('--json', 'print the raw JSON')
    .action(async (opts: InventoryOptions) => {
      const view = await get(opts, '/api/v1/inventory', inventoryViewSchema);
      if (opts.json) {
        console.log(JSON.stringify(view, null, 2));
        return;
      }
      console.log(
        textTable(
          ['MACHINE', 'SITE/RACK', 'POOL', 'POWER', 'ROLE', 'PERSONA', 'LEASE'],
          view.machines.map((m) => [
            m.id,
            `${m.site}/${m.rack}`,
            m.pool,
            powerText(m),
            m.record?.role ?? '-',
            runsText(m),
            m.lease?.holder ?? '-',
          ]),
        ),
      );
      console.log('');
      console.log(
        textTable(
          ['PERSONA', 'PRIO', 'PLACEMENT', 'LEASE'],
          view.personas.map((p) => [
            p.name,
            String(p.priority),
            placementText(p),
            p.lease?.holder ?? '-',
          ]),
        ),
      );
      console.log('');
      for (const s of view.sites) {
        const pools = Object.entries(s.machines.byPool)
          .map(([pool, n]) => `${n} ${pool}`)
          .join(', ');
        console.log(
          `${s.name}: ${s.machines.total} machines (${pools}), ${s.leases} leases, ${s.personas.placed} personas placed, ${s.personas.notPlaced} homed here not placed; ledger version ${s.ledgerVersion}`,
        );
      }
      printIssues(view.issues);
    });

  detailCommand(inventory, {
    name: 'machine',
    argument: 'id',
    description:
      'one machine: hardware, BMC, NICs and what they boot, ledger record, persona or VMs, lease',
    path: '/api/v1/inventory/machines',
    schema: machineDetailSchema,
    details: (a) => machineDetails(a.machine),
  });
  detailCommand(inventory, {
    name: 'persona',
    argument: 'name',
    description: 'one persona: image, requirements, home, where it runs now, lease',
    path: '/api/v1/inventory/personas',
    schema: personaDetailSchema,
    details: (a) => personaDetails(a.persona),
  });
}
