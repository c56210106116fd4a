import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import {
  loadTopologyFile,
  parseTopology,
  parseTopologyText,
  TopologyError,
} from '../../inventory/load-topology';
import { TopologyIndex } from '../../inventory/topology-index';

const root = join(__dirname, '..', '..');
const fixture = (name: string): string => join(root, 'test', 'fixtures', 'topology', name);

async function issuesOf(file: string): Promise<Array<{ path: string; message: string }>> {
  try {
    await loadTopologyFile(file);
  } catch (e) {
    expect(e).toBeInstanceOf(TopologyError);
    return [...(e as TopologyError).issues];
  }
  throw new Error(`${file} was accepted`);
}

describe('topology loading', () => {
  it('accepts the lab example and every example topology', async () => {
    const t = await loadTopologyFile(join(root, 'examples', 'lab-small.yaml'));
    const site = t.sites[0]!;
    expect(site.racks.map((r) => r.name)).toEqual(['r1', 'r2']);
    expect(site.machines.length).toBeGreaterThanOrEqual(8);
    expect(new Set(site.machines.map((m) => m.bmc.driver))).toEqual(new Set(['ipmi', 'redfish']));
    expect(new Set(site.machines.map((m) => m.pool))).toEqual(
      new Set(['spare', 'repurposable', 'dedicated']),
    );
    expect(site.switches).toHaveLength(2);
    expect(site.arrays).toHaveLength(1);
    expect(t.personas.length).toBeGreaterThanOrEqual(3);
  });

  it('reports every field error with its exact path', async () => {
    const issues = await issuesOf(fixture('bad-fields.yaml'));
    const byPath = Object.fromEntries(issues.map((i) => [i.path, i.message]));
    expect(byPath['networks[0].vlan']).toMatch(/VLAN must be 1–4094/);
    expect(byPath['bootImages[0].kernel']).toMatch(/http\(s\) URL/);
    expect(byPath['sites[0].machines[0].nics[0].mac']).toMatch(
      /MAC address.*\(got "zz:00:00:00:00:01"\)/,
    );
    expect(byPath['sites[0].machines[1].bmc.tls.insecure']).toMatch(
      /conflicts with caFile\/fingerprint/,
    );
    expect(byPath['sites[0].machines[1].priority']).toMatch(
      /repurposable machine needs a priority/,
    );
    expect(issues).toHaveLength(5);
  });

  it('reports cross-reference errors: unknown switch, credential, network; duplicated MAC', async () => {
    const issues = await issuesOf(fixture('bad-references.yaml'));
    expect(issues).toEqual(
      expect.arrayContaining([
        {
          path: 'sites[0].machines[0].nics[0].switch',
          message: 'unknown switch "sw9" in site "dc1"',
        },
        {
          path: 'sites[0].machines[1].bmc.credential',
          message: 'unknown credential "nosuch" (declare it under credentials)',
        },
        {
          path: 'sites[0].machines[1].nics[0].mac',
          message: 'MAC 52:54:00:00:00:01 is already used at sites[0].machines[0].nics[0].mac',
        },
        { path: 'personas[0].networks[0].networks[1]', message: 'unknown network "dmz"' },
      ]),
    );
    expect(issues).toHaveLength(4);
  });

  it('checks an FC array: its fabric must exist in its site, its target WWPNs be WWPNs used nowhere else', () => {
    type Raw = {
      credentials: unknown[];
      sites: Array<{
        fabrics?: unknown[];
        arrays: Array<Record<string, unknown>>;
        machines: Array<{ storage: Record<string, unknown> }>;
      }>;
    };
    const raw = parseYaml(readFileSync(join(root, 'examples', 'lab-small.yaml'), 'utf8')) as Raw;
    raw.credentials.push({ name: 'lab-fabric', kind: 'fabric' });
    const site = raw.sites[0]!;
    site.fabrics = [
      {
        id: 'fab-a',
        vendor: 'brocade',
        address: '127.0.0.1',
        port: 12291,
        credential: 'lab-fabric',
        hostKeyFingerprint: 'SHA256:Hqo6iFK/Ohi1BUKQLyRqVYRcy0jxpOyWEwedfq6fM6I',
        zoneConfig: 'cfg_dc1',
      },
    ];
    site.machines[0]!.storage.wwpns = ['10:00:00:00:c9:01:01:01'];
    site.arrays[0]!.fc = { fabric: 'fab-b', targetWwpns: ['10:00:00:00:C9:01:01:01', '50:06'] };
    expect(() => parseTopology(raw)).toThrow(
      expect.objectContaining({
        name: 'TopologyError',
        issues: [
          {
            path: 'sites[0].arrays[0].fc.targetWwpns[1]',
            message: expect.stringMatching(/must be a WWPN/),
          },
        ],
      }),
    );
    site.arrays[0]!.fc = { fabric: 'fab-b', targetWwpns: ['10:00:00:00:C9:01:01:01'] };
    expect(() => parseTopology(raw)).toThrow(
      expect.objectContaining({
        name: 'TopologyError',
        issues: [
          { path: 'sites[0].arrays[0].fc.fabric', message: 'unknown fabric "fab-b" in site "dc1"' },
          {
            path: 'sites[0].machines[0].storage.wwpns[0]',
            message:
              'WWPN 10:00:00:00:c9:01:01:01 is already used at sites[0].arrays[0].fc.targetWwpns[0]',
          },
        ],
      }),
    );
    site.arrays[0]!.fc = { fabric: 'fab-a', targetWwpns: ['50:06:01:60:3b:a0:11:22'] };
    expect(new TopologyIndex(parseTopology(raw)).array('array-1').fc).toEqual({
      fabric: 'fab-a',
      targetWwpns: ['50:06:01:60:3b:a0:11:22'],
    });
  });

  it('reads JSON as well as YAML, with the same result', () => {
    const yamlText = readFileSync(join(root, 'examples', 'lab-small.yaml'), 'utf8');
    const fromYaml = parseTopologyText(yamlText, 'lab-small.yaml');
    const fromJson = parseTopologyText(JSON.stringify(parseYaml(yamlText)), 'lab-small.json');
    expect(fromJson).toEqual(fromYaml);
  });

  it('names the file and line of a syntax error', () => {
    expect(() => parseTopologyText('version: 1\nsites: [\n', 'broken.yaml')).toThrow(
      /not valid YAML/,
    );
    expect(() => parseTopologyText('{"version": 1,', 'broken.json')).toThrow(/not valid JSON/);
  });

  it('lower-cases MACs and freezes the result', () => {
    const raw = parseYaml(readFileSync(join(root, 'examples', 'lab-small.yaml'), 'utf8')) as {
      sites: Array<{ machines: Array<{ nics: Array<{ mac: string }> }> }>;
    };
    raw.sites[0]!.machines[0]!.nics[0]!.mac = '52:54:00:AB:CD:EF';
    const t = parseTopology(raw);
    expect(t.sites[0]!.machines[0]!.nics[0]!.mac).toBe('52:54:00:ab:cd:ef');
    expect(Object.isFrozen(t.sites[0]!.machines[0])).toBe(true);
    expect(new TopologyIndex(t).machineByMac('52:54:00:AB:CD:EF')?.id).toBe(
      t.sites[0]!.machines[0]!.id,
    );
  });

  it('refuses unknown fields rather than ignoring a typo', () => {
    const raw = parseYaml(readFileSync(join(root, 'examples', 'lab-small.yaml'), 'utf8')) as {
      sites: Array<Record<string, unknown>>;
    };
    raw.sites[0]!.machiens = [];
    expect(() => parseTopology(raw)).toThrow(/sites\[0\]: Unrecognized key: "machiens"/);
  });

  it('refuses shell metacharacters wherever a value could reach a command line', () => {
    const raw = parseYaml(readFileSync(join(root, 'examples', 'lab-small.yaml'), 'utf8')) as {
      sites: Array<{
        switches: Array<Record<string, unknown>>;
        machines: Array<{ storage: Record<string, unknown> }>;
      }>;
    };
    raw.sites[0]!.switches[0]!.address = '127.0.0.1;reboot';
    raw.sites[0]!.machines[0]!.storage.iqn = 'iqn.2026-11.lab:host|x';
    expect(() => parseTopology(raw)).toThrow(
      expect.objectContaining({
        name: 'TopologyError',
        issues: expect.arrayContaining([
          expect.objectContaining({ path: 'sites[0].switches[0].address' }),
          expect.objectContaining({ path: 'sites[0].machines[0].storage.iqn' }),
        ]),
      }),
    );
  });
});
