import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { placementPlan, portStateFor } from '../../domain/placement/placement-plan';
import { bootPlanFor } from '../../drivers/boot/boot-plan';
import { parseTopology, TopologyError } from '../../inventory/load-topology';
import { TopologyIndex } from '../../inventory/topology-index';

const FP = 'SHA256:Hqo6iFK/Ohi1BUKQLyRqVYRcy0jxpOyWEwedfq6fM6I';

type Raw = Record<string, unknown> & {
  networks: Array<Record<string, unknown>>;
  bootImages: Array<Record<string, unknown>>;
  replication: Array<Record<string, unknown>>;
  personas: Array<Record<string, unknown>>;
};

const array = (id: string, port: number, luns: Array<{ id: string; sizeGiB: number }>) => ({
  id,
  kind: 'tgt',
  address: '127.0.0.1',
  port,
  credential: 'c',
  hostKeyFingerprint: FP,
  portal: { address: '127.0.0.1' },
  targetIqn: `iqn.2026-11.lab.rackshift:${id}`,
  luns,
});

/** Two sites, one array each, db-boot at site a replicated to db-boot-r at site b. */
function twoSites(): Raw {
  return {
    version: 1,
    credentials: [{ name: 'c' }],
    networks: [
      { name: 'prod', vlan: 110, siteVlans: { b: 210 } },
      { name: 'db', vlan: 120 },
    ],
    bootImages: [
      {
        name: 'pxe',
        kind: 'pxe',
        kernel: 'http://10.1.0.5:8080/images/vmlinuz',
        servers: { b: 'http://10.2.0.5:8080' },
      },
      { name: 'san', kind: 'san' },
    ],
    sites: [
      {
        name: 'a',
        racks: [{ name: 'r1' }],
        arrays: [array('array-a', 12231, [{ id: 'db-boot', sizeGiB: 20 }])],
      },
      {
        name: 'b',
        racks: [{ name: 'r1' }],
        arrays: [array('array-b', 12232, [{ id: 'db-boot-r', sizeGiB: 20 }])],
      },
    ],
    personas: [
      {
        name: 'db-01',
        image: 'san',
        luns: [{ array: 'array-a', lun: 'db-boot', boot: true }],
        requirements: { arch: 'x86_64', cores: 2, memoryGiB: 4 },
        priority: 1,
      },
    ],
    replication: [
      {
        source: { array: 'array-a', lun: 'db-boot' },
        replica: { array: 'array-b', lun: 'db-boot-r' },
        mode: 'async',
        rpoSeconds: 300,
      },
    ],
  };
}

function issuesOf(raw: unknown): Array<{ path: string; message: string }> {
  try {
    parseTopology(raw);
  } catch (e) {
    expect(e).toBeInstanceOf(TopologyError);
    return [...(e as TopologyError).issues];
  }
  throw new Error('the topology was accepted');
}

describe('two sites: replication, per-site VLANs and boot servers', () => {
  it('accepts a valid two-site topology with its defaults', () => {
    const t = parseTopology(twoSites());
    expect(t.replication).toEqual([
      {
        source: { array: 'array-a', lun: 'db-boot' },
        replica: { array: 'array-b', lun: 'db-boot-r' },
        mode: 'async',
        rpoSeconds: 300,
        direction: 'source-to-replica',
      },
    ]);
    expect(t.networks[0]?.siteVlans).toEqual({ b: 210 });
  });

  it('loads a topology without any of it unchanged (no replication, no site VLANs)', () => {
    const raw = twoSites();
    raw.replication = [];
    delete raw.networks[0]!.siteVlans;
    delete raw.bootImages[0]!.servers;
    const t = parseTopology(raw);
    expect(t.replication).toEqual([]);
    expect('siteVlans' in t.networks[0]!).toBe(false);
  });

  it.each([
    [
      'an unknown source array',
      (r: Raw) => (r.replication[0]!.source = { array: 'x', lun: 'db-boot' }),
      'replication[0].source.array',
      'unknown array "x"',
    ],
    [
      'an unknown replica LUN',
      (r: Raw) => (r.replication[0]!.replica = { array: 'array-b', lun: 'nope' }),
      'replication[0].replica.lun',
      'unknown LUN "nope" on array "array-b" (declare it in its luns)',
    ],
    [
      'a replica on the same site',
      (r: Raw) => (r.replication[0]!.replica = { array: 'array-a', lun: 'db-boot' }),
      'replication[0].replica.array',
      'array "array-a" is at site "a" like the source; a replica lives on an array at another site',
    ],
    [
      'an async replica without an RPO',
      (r: Raw) => delete r.replication[0]!.rpoSeconds,
      'replication[0].rpoSeconds',
      'an async replica needs rpoSeconds: how far it may lag behind its source',
    ],
    [
      'a sync replica with an RPO',
      (r: Raw) => (r.replication[0]!.mode = 'sync'),
      'replication[0].rpoSeconds',
      'a sync replica never lags (RPO 0): rpoSeconds applies to mode async only',
    ],
    [
      'an RPO of 0',
      (r: Raw) => (r.replication[0]!.rpoSeconds = 0),
      'replication[0].rpoSeconds',
      'RPO must be 1–86400 s',
    ],
    [
      'a mode that does not exist',
      (r: Raw) => (r.replication[0]!.mode = 'semi'),
      'replication[0].mode',
      undefined,
    ],
    [
      'a LUN replicated twice',
      (r: Raw) => r.replication.push({ ...r.replication[0]! }),
      'replication[1].source.lun',
      'LUN "db-boot" on array "array-a" is already replicated at replication[0].source; a LUN has at most one replica',
    ],
    [
      'a replica of another size',
      (r: Raw) =>
        ((
          r.sites as Array<{ arrays: Array<{ luns: Array<{ sizeGiB: number }> }> }>
        )[1]!.arrays[0]!.luns[0]!.sizeGiB = 40),
      'replication[0].replica.lun',
      'LUN "db-boot-r" is 40 GiB but its source "db-boot" is 20 GiB; a replica has its source\'s size',
    ],
    [
      'a persona naming the read-only replica',
      (r: Raw) => (r.personas[0]!.luns = [{ array: 'array-b', lun: 'db-boot-r', boot: true }]),
      'personas[0].luns[0].lun',
      'LUN "db-boot-r" on array "array-b" is the read-only side of replication[0] until promoted; name its primary, and a failover uses the replica',
    ],
    [
      'a site VLAN out of 1–4094',
      (r: Raw) => (r.networks[0]!.siteVlans = { b: 4095 }),
      'networks[0].siteVlans.b',
      'VLAN must be 1–4094',
    ],
    [
      'a site VLAN of an unknown site',
      (r: Raw) => (r.networks[0]!.siteVlans = { c: 210 }),
      'networks[0].siteVlans.c',
      'unknown site "c"',
    ],
    [
      'a site VLAN colliding with another network there',
      (r: Raw) => (r.networks[0]!.siteVlans = { b: 120 }),
      'networks[0].siteVlans.b',
      'VLAN 120 is already network "db"\'s VLAN at site "b"',
    ],
    [
      'a boot server of an unknown site',
      (r: Raw) => (r.bootImages[0]!.servers = { c: 'http://10.3.0.5' }),
      'bootImages[0].servers.c',
      'unknown site "c"',
    ],
    [
      'a boot server with a path',
      (r: Raw) => (r.bootImages[0]!.servers = { b: 'http://10.2.0.5/images' }),
      'bootImages[0].servers.b',
      'must be an http(s) origin like http://10.2.0.5:8080 (no path)',
    ],
    [
      'a boot server on a SAN image',
      (r: Raw) => (r.bootImages[1]!.servers = { b: 'http://10.2.0.5' }),
      'bootImages[1]',
      undefined,
    ],
  ])('refuses %s, naming the field and the rule', (_what, change, path, message) => {
    const raw = twoSites();
    change(raw);
    const issues = issuesOf(raw);
    const issue = issues.find((i) => i.path === path);
    expect(issue).toBeDefined();
    if (message !== undefined) expect(issue?.message).toContain(message);
  });
});

describe('two-site lookups', () => {
  it("gives a network its site VLAN where it has one, and finds a LUN's replication", () => {
    const index = new TopologyIndex(parseTopology(twoSites()));
    expect(index.networkVlan('prod', 'b')).toBe(210);
    expect(index.networkVlan('prod', 'a')).toBe(110);
    expect(index.networkVlan('db', 'b')).toBe(120);
    expect(index.replicationOf('array-b', 'db-boot-r')?.source.lun).toBe('db-boot');
    expect(index.replicationOf('array-a', 'other')).toBeUndefined();
  });
});

describe('a restore at the other site (examples/two-sites.yaml)', () => {
  const example = new TopologyIndex(
    parseTopology(
      parseYaml(readFileSync(join(__dirname, '..', '..', 'examples', 'two-sites.yaml'), 'utf8')),
    ),
  );

  it('loads and validates: three replicated LUNs, site-b VLANs and boot server', () => {
    expect(example.topology.replication.map((r) => [r.replica.lun, r.mode])).toEqual([
      ['db-01-boot-r', 'sync'],
      ['db-01-data-r', 'sync'],
      ['web-01-boot-r', 'async'],
    ]);
    expect(example.bootImageAt('ubuntu-24-pxe', 'site-b')).toMatchObject({
      kernel: 'http://127.0.0.1:8081/images/ubuntu-24/vmlinuz',
      initrd: 'http://127.0.0.1:8081/images/ubuntu-24/initrd.img',
    });
    expect(example.bootImageAt('ubuntu-24-pxe', 'site-a')).toBe(example.bootImage('ubuntu-24-pxe'));
  });

  it('plans db-01 on a site-b machine with site-b VLANs and the replicas on array-b', () => {
    const plan = placementPlan(example, example.persona('db-01'), example.machine('m-b1-01'));
    expect(plan.site).toBe('site-b');
    expect(plan.luns).toEqual([
      { array: 'array-b', lun: 'db-01-boot-r', boot: true },
      { array: 'array-b', lun: 'db-01-data-r', boot: false },
    ]);
    expect(plan.ports.map((p) => p.desired)).toEqual([portStateFor([1120]), portStateFor([1200])]);
  });

  it('plans db-01 at home unchanged: site-a VLANs and the primary LUNs', () => {
    const plan = placementPlan(example, example.persona('db-01'), example.machine('m-a1-01'));
    expect(plan.luns.map((l) => `${l.array}/${l.lun}`)).toEqual([
      'array-a/db-01-boot',
      'array-a/db-01-data',
    ]);
    expect(plan.ports.map((p) => p.desired)).toEqual([portStateFor([120]), portStateFor([200])]);
  });

  it("boots db-01 at site-b from its boot LUN's replica", () => {
    const plan = bootPlanFor(example, {
      mac: '52:54:00:0b:01:00',
      persona: 'db-01',
      machine: 'm-b1-01',
      image: 'rhel-9-san',
    });
    expect(plan).toMatchObject({ kind: 'san-iscsi' });
    expect(JSON.stringify(plan)).toContain('array-b:db-01-boot-r');
  });
});
