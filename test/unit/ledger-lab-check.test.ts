import type { LedgerState } from '../../inventory/ledger-records';
import type { Topology } from '../../inventory/topology-schema';
import type { LabPortState } from '../../lab/lab-views';
import { ledgerLabDisagreements, type LabReading } from '../support/ledger-lab-check';
import { labSmall } from '../support/lab-fixtures';

let topology: Topology;
beforeAll(async () => {
  topology = await labSmall();
});

const SHUT: LabPortState = { mode: 'access', trunkVlans: [], shutdown: true };

/** A lab as the checker reads it: machines' power and darkness, port states, LUN masks. */
function fakeLab(o: {
  on?: string[];
  dark?: string[];
  runs?: Record<string, string>;
  ports?: Record<string, LabPortState>;
  luns?: Record<string, string[]>;
}): LabReading {
  return {
    machine: (id: string) => ({
      powerState: o.on?.includes(id) ? 'on' : 'off',
      dark: o.dark?.includes(id) ?? false,
      bootResult: o.runs?.[id] === undefined ? undefined : { healthy: true, persona: o.runs[id] },
    }),
    switchView: { portState: (sw: string, port: string) => o.ports?.[`${sw} ${port}`] ?? SHUT },
    sanView: { lunsVisibleTo: (_array: string, iqn: string) => o.luns?.[iqn] ?? [] },
  };
}

const ledger = (l: Partial<LedgerState>): LedgerState => ({
  site: 'dc1',
  leases: {},
  placements: {},
  machines: {},
  bootAssignments: {},
  version: 1,
  ...l,
});
const spec = (id: string) => topology.sites[0]!.machines.find((m) => m.id === id)!;

describe('ledgerLabDisagreements (test/support: the ledger against the lab, machine by machine)', () => {
  // Every persona placed nowhere: nothing rests anywhere, so every machine must be bare.
  const nowhere = () =>
    Object.fromEntries(topology.personas.map((p) => [p.name, { kind: 'none' as const }]));

  it('finds nothing to say when they agree', () => {
    const m = spec('m-r1-03');
    const placements = { ...nowhere(), 'web-01': { kind: 'machine' as const, machine: 'm-r1-03' } };
    const lab = fakeLab({
      on: ['m-r1-03'],
      runs: { 'm-r1-03': 'web-01' },
      ports: {
        [`${m.nics[0]!.switch} ${m.nics[0]!.port}`]: {
          mode: 'access',
          accessVlan: 110,
          trunkVlans: [],
          shutdown: false,
        },
      },
      luns: { [m.storage.iqn!]: ['web-01-boot'] },
    });
    const l = ledger({
      placements,
      machines: {
        'm-r1-03': {
          machine: 'm-r1-03',
          power: 'on',
          role: 'persona',
          healthy: true,
          updatedAt: '',
        },
      },
      bootAssignments: {
        [m.nics[0]!.mac]: {
          mac: m.nics[0]!.mac,
          machine: 'm-r1-03',
          persona: 'web-01',
          image: 'rhel-9-san',
        },
      },
    });
    expect(ledgerLabDisagreements(lab, topology, [l])).toEqual([]);
  });

  it('names a vacated machine that still boots the persona, carries its VLAN and sees its LUN', () => {
    const m = spec('m-r1-03');
    const lab = fakeLab({
      ports: {
        [`${m.nics[0]!.switch} ${m.nics[0]!.port}`]: {
          mode: 'access',
          accessVlan: 110,
          trunkVlans: [],
          shutdown: false,
        },
      },
      luns: { [m.storage.iqn!]: ['web-01-boot'] },
    });
    const l = ledger({
      placements: nowhere(),
      machines: { 'm-r1-03': { machine: 'm-r1-03', power: 'off', role: 'idle', updatedAt: '' } },
      bootAssignments: {
        [m.nics[0]!.mac]: {
          mac: m.nics[0]!.mac,
          machine: 'm-r1-03',
          persona: 'web-01',
          image: 'rhel-9-san',
        },
      },
    });
    const said = ledgerLabDisagreements(lab, topology, [l]);
    expect(said).toEqual([
      `m-r1-03: ${m.nics[0]!.name} (${m.nics[0]!.mac}) is assigned to boot web-01, but nothing is placed on it`,
      `m-r1-03: ${m.nics[0]!.switch} ${m.nics[0]!.port} (${m.nics[0]!.name}) carries VLAN 110, but nothing runs there`,
      `m-r1-03: sees array-1/web-01-boot through ${m.storage.iqn}, but nothing runs there`,
    ]);
  });

  it('names a dark machine the ledger still records on and healthy, and a powered-off one recorded on', () => {
    const l = ledger({
      placements: nowhere(),
      machines: {
        'm-r1-01': { machine: 'm-r1-01', power: 'on', role: 'idle', healthy: true, updatedAt: '' },
        'm-r1-04': { machine: 'm-r1-04', power: 'on', role: 'idle', updatedAt: '' },
      },
    });
    expect(ledgerLabDisagreements(fakeLab({ dark: ['m-r1-01'] }), topology, [l])).toEqual([
      'm-r1-01: dark in the lab, but the ledger records it power on, healthy',
      'm-r1-04: the ledger records it on, the lab has it off',
    ]);
  });

  it('names a machine recorded on that does not run the persona placed there, and a second copy the ledger places elsewhere', () => {
    const placements = {
      ...nowhere(),
      'web-01': { kind: 'machine' as const, machine: 'm-r1-03' },
      'db-01': { kind: 'machine' as const, machine: 'm-r1-04' },
    };
    const on = (machine: string) => ({
      machine,
      power: 'on' as const,
      role: 'persona' as const,
      healthy: true,
      updatedAt: '',
    });
    const l = ledger({
      placements,
      machines: {
        'm-r1-03': on('m-r1-03'),
        'm-r1-04': on('m-r1-04'),
        'm-r2-02': { ...on('m-r2-02'), role: 'idle' as const },
      },
    });
    const said = ledgerLabDisagreements(
      fakeLab({
        on: ['m-r1-03', 'm-r1-04', 'm-r2-02'],
        runs: { 'm-r1-04': 'db-01', 'm-r2-02': 'web-01' },
      }),
      topology,
      [l],
    );
    expect(said.filter((x) => /runs|places/.test(x))).toEqual([
      'm-r1-03: the ledger places web-01 on it, but it runs nothing healthy',
      'm-r2-02: runs web-01 healthy, but the ledger places it on m-r1-03',
    ]);
  });
});
