import { findRunbook, inputJsonSchema } from '../../api/runbook-catalog';
import { TopologyIndex } from '../../inventory/topology-index';
import { labSmall } from '../support/lab-fixtures';

let topology: TopologyIndex;

beforeAll(async () => {
  topology = new TopologyIndex(await labSmall());
});

const NOW = new Date('2026-11-25T08:56:40.123Z');

describe('catalog entries of p2v, v2p and vm-restart', () => {
  it('p2v: mode is required, the host must be able to run VMs, an id and search attributes that say what it is', () => {
    const entry = findRunbook('p2v')!;
    expect(entry.workflowType).toBe('p2v');
    expect(entry.inputSchema.safeParse({ persona: 'web-01' }).success).toBe(false);
    const input = entry.inputSchema.parse({ persona: 'web-01', mode: 'copy', host: 'm-r2-03' });
    expect(input).toEqual({
      persona: 'web-01',
      host: 'm-r2-03',
      mode: 'copy',
      graceSeconds: 300,
      healthTimeoutSeconds: 600,
      powerTimeoutSeconds: 300,
      copyChunkMiB: 4,
      sourceDown: false,
      fence: 'luns',
    });
    expect(entry.check(input, topology)).toEqual([]);
    expect(
      entry.check(
        entry.inputSchema.parse({ persona: 'web-01', mode: 'san', host: 'm-r1-03' }),
        topology,
      ),
    ).toEqual([{ path: 'input.host', message: expect.stringContaining('no hypervisor endpoint') }]);
    expect(
      entry.check(entry.inputSchema.parse({ persona: 'nope', mode: 'san', host: 'm-x' }), topology),
    ).toEqual([
      { path: 'input.persona', message: 'unknown persona "nope"' },
      { path: 'input.host', message: 'unknown machine "m-x"' },
    ]);
    expect(entry.workflowId(input, NOW)).toMatch(/^p2v\/web-01\/20261125T085640Z-[0-9a-f]{4}$/);
    expect(entry.searchAttributes(input, topology).map((a) => [a.key.name, a.value])).toEqual([
      ['RackshiftRunbook', 'p2v'],
      ['RackshiftSite', 'dc1'],
      ['RackshiftPersona', ['web-01']],
      ['RackshiftMachine', ['m-r2-03']],
    ]);
    expect(inputJsonSchema(entry)).toMatchObject({ required: ['persona', 'mode'] });
  });

  it('v2p: a known persona and machine, an id and search attributes that say what it is', () => {
    const entry = findRunbook('v2p')!;
    expect(entry.workflowType).toBe('v2p');
    const input = entry.inputSchema.parse({ persona: 'web-01' });
    expect(input).toEqual({
      persona: 'web-01',
      allowEvict: false,
      evictGraceSeconds: 300,
      graceSeconds: 300,
      healthTimeoutSeconds: 600,
      powerTimeoutSeconds: 300,
    });
    expect(entry.check(input, topology)).toEqual([]);
    expect(
      entry.check(entry.inputSchema.parse({ persona: 'web-01', machine: 'm-x' }), topology),
    ).toEqual([{ path: 'input.machine', message: 'unknown machine "m-x"' }]);
    expect(entry.workflowId(input, NOW)).toMatch(/^v2p\/web-01\/20261125T085640Z-[0-9a-f]{4}$/);
    expect(
      entry
        .searchAttributes(
          entry.inputSchema.parse({ persona: 'web-01', machine: 'm-r1-04' }),
          topology,
        )
        .map((a) => [a.key.name, a.value]),
    ).toEqual([
      ['RackshiftRunbook', 'v2p'],
      ['RackshiftSite', 'dc1'],
      ['RackshiftPersona', ['web-01']],
      ['RackshiftMachine', ['m-r1-04']],
    ]);
  });

  it('vm-restart: a known persona, a host able to run VMs, bad fields named, nothing else accepted', () => {
    const entry = findRunbook('vm-restart')!;
    expect(entry.workflowType).toBe('vmRestart');
    const input = entry.inputSchema.parse({ persona: 'web-01', host: 'm-r2-03' });
    expect(input).toEqual({
      persona: 'web-01',
      host: 'm-r2-03',
      fence: 'luns',
      healthTimeoutSeconds: 600,
      powerTimeoutSeconds: 300,
    });
    expect(entry.check(input, topology)).toEqual([]);
    expect(
      entry.check(
        entry.inputSchema.parse({ persona: 'nope', host: 'm-r1-03', from: 'm-x' }),
        topology,
      ),
    ).toEqual([
      { path: 'input.persona', message: 'unknown persona "nope"' },
      { path: 'input.host', message: expect.stringContaining('no hypervisor endpoint') },
      { path: 'input.from', message: 'unknown machine "m-x"' },
    ]);
    const bad = entry.inputSchema.safeParse({ persona: 'web-01', fence: 'power', mode: 'san' });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues.map((i) => i.path.join('.') || i.code).sort()).toEqual([
      'fence',
      'unrecognized_keys',
    ]);
    expect(entry.workflowId(input, NOW)).toMatch(
      /^vm-restart\/web-01\/20261125T085640Z-[0-9a-f]{4}$/,
    );
    expect(entry.searchAttributes(input, topology).map((a) => [a.key.name, a.value])).toEqual([
      ['RackshiftRunbook', 'vm-restart'],
      ['RackshiftSite', 'dc1'],
      ['RackshiftPersona', ['web-01']],
      ['RackshiftMachine', ['m-r2-03']],
    ]);
  });
});
