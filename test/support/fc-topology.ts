import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import type { TopologyInput } from '../../inventory/topology-schema';
import { LAB_SMALL } from './lab-fixtures';

/** The array's FC target port in the FC lab. */
export const FC_TARGET_PORT = '50:06:01:60:3b:a0:11:22';

/** Two HBA ports per FC machine of the FC lab. */
export const FC_WWPNS: Readonly<Record<string, readonly string[]>> = {
  'm-r1-01': ['10:00:00:00:c9:01:01:01', '10:00:00:00:c9:01:01:02'],
  'm-r1-03': ['10:00:00:00:c9:01:03:01', '10:00:00:00:c9:01:03:02'],
  'm-r1-04': ['10:00:00:00:c9:01:04:01', '10:00:00:00:c9:01:04:02'],
  'm-r2-03': ['10:00:00:00:c9:02:03:01', '10:00:00:00:c9:02:03:02'],
};

/**
 * lab-small with a Brocade fabric: array-1 reachable through it (one target port), and four
 * machines with HBAs (db-01's home m-r1-01, m-r1-03, m-r1-04, and the hypervisor-capable
 * m-r2-03). Written to `dir`.
 */
export async function writeFcTopology(dir: string): Promise<string> {
  const raw = parseYaml(await readFile(LAB_SMALL, 'utf8')) as TopologyInput;
  const site = raw.sites[0];
  if (site === undefined) throw new Error('lab-small has no site');
  raw.credentials = [...(raw.credentials ?? []), { name: 'lab-fabric', kind: 'fabric' }];
  const pin = site.arrays?.[0]?.hostKeyFingerprint ?? '';
  site.fabrics = [{ id: 'fab-a', vendor: 'brocade', address: '127.0.0.1', port: 12291, credential: 'lab-fabric', hostKeyFingerprint: pin, zoneConfig: 'cfg_dc1' }];
  for (const a of site.arrays ?? []) if (a.id === 'array-1') a.fc = { fabric: 'fab-a', targetWwpns: [FC_TARGET_PORT] };
  for (const m of site.machines ?? []) {
    const wwpns = FC_WWPNS[m.id];
    if (wwpns !== undefined) m.storage = { ...m.storage, wwpns: [...wwpns] };
  }
  const file = join(dir, 'lab-fc.yaml');
  await writeFile(file, toYaml(raw));
  return file;
}
