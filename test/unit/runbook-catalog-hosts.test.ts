import { findRunbook, inputJsonSchema } from '../../api/runbook-catalog';
import { TopologyIndex } from '../../inventory/topology-index';
import { labSmall } from '../support/lab-fixtures';

let topology: TopologyIndex;

beforeAll(async () => {
  topology = new TopologyIndex(await labSmall());
});

const NOW = new Date('2026-11-25T08:56:40.123Z');

describe('catalog entries of hypervisor-bringup and release', () => {
  it('hypervisor-bringup: input defaults, topology checks before a run starts, an id and search attributes that say what it is', () => {
    const entry = findRunbook('hypervisor-bringup')!;
    expect(entry.workflowType).toBe('hypervisorBringup');
    const input = entry.inputSchema.parse({ machine: 'm-r2-03' });
    expect(input).toEqual({
      machine: 'm-r2-03',
      allowEvict: false,
      evictGraceSeconds: 300,
      readyTimeoutSeconds: 600,
      powerTimeoutSeconds: 300,
    });
    expect(entry.check(input, topology)).toEqual([]);
    expect(entry.workflowId(input, NOW)).toMatch(
      /^hypervisor-bringup\/m-r2-03\/20261125T085640Z-[0-9a-f]{4}$/,
    );
    expect(entry.searchAttributes(input, topology).map((a) => [a.key.name, a.value])).toEqual([
      ['RackshiftRunbook', 'hypervisor-bringup'],
      ['RackshiftSite', 'dc1'],
      ['RackshiftMachine', ['m-r2-03']],
    ]);
    expect(entry.check(entry.inputSchema.parse({ machine: 'm-r1-03' }), topology)).toEqual([
      { path: 'input.machine', message: expect.stringContaining('no hypervisor endpoint') },
    ]);
    expect(
      entry.check(entry.inputSchema.parse({ machine: 'm-r2-03', cluster: 'db-01' }), topology),
    ).toEqual([
      { path: 'input.cluster', message: 'unknown cluster "db-01" (declare it under clusters)' },
    ]);
    expect(entry.inputSchema.safeParse({ machine: 'm-r2-03', extra: 1 }).success).toBe(false);
    expect(inputJsonSchema(entry)).toMatchObject({ required: ['machine'] });
  });

  it('release: a known persona, an id and search attributes that say what it is', () => {
    const entry = findRunbook('release')!;
    expect(entry.workflowType).toBe('release');
    const input = entry.inputSchema.parse({ persona: 'app-01' });
    expect(input).toEqual({ persona: 'app-01', graceSeconds: 300, powerTimeoutSeconds: 300 });
    expect(entry.check(input, topology)).toEqual([]);
    expect(entry.check(entry.inputSchema.parse({ persona: 'nope' }), topology)).toEqual([
      { path: 'input.persona', message: 'unknown persona "nope"' },
    ]);
    expect(entry.workflowId(input, NOW)).toMatch(/^release\/app-01\/20261125T085640Z-[0-9a-f]{4}$/);
    expect(entry.searchAttributes(input, topology).map((a) => [a.key.name, a.value])).toEqual([
      ['RackshiftRunbook', 'release'],
      ['RackshiftSite', 'dc1'],
      ['RackshiftPersona', ['app-01']],
    ]);
  });

  it('release of a hypervisor host by machine: exactly one of persona or machine, a known machine, its site', () => {
    const entry = findRunbook('release')!;
    const input = entry.inputSchema.parse({ machine: 'm-r2-03' });
    expect(entry.check(input, topology)).toEqual([]);
    expect(entry.check(entry.inputSchema.parse({ machine: 'm-nope' }), topology)).toEqual([
      { path: 'input.machine', message: expect.stringContaining('m-nope') },
    ]);
    expect(entry.workflowId(input, NOW)).toMatch(
      /^release\/m-r2-03\/20261125T085640Z-[0-9a-f]{4}$/,
    );
    expect(entry.searchAttributes(input, topology).map((a) => [a.key.name, a.value])).toEqual([
      ['RackshiftRunbook', 'release'],
      ['RackshiftSite', 'dc1'],
      ['RackshiftMachine', ['m-r2-03']],
    ]);
    for (const both of [{}, { persona: 'app-01', machine: 'm-r2-03' }]) {
      expect(entry.inputSchema.safeParse(both).error?.issues).toEqual([
        expect.objectContaining({
          path: ['persona'],
          message: expect.stringContaining('exactly one of persona'),
        }),
      ]);
    }
  });
});
