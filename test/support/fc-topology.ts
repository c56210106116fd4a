import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import type { TopologyInput } from '../../inventory/topology-schema';
import { LAB_SMALL } from './lab-fixtures';

/** The array's FC target port in an FC lab. */
export const FC_TARGET_PORT = '50:06:01:60:3b:a0:11:22';

export interface FcTopology {
  readonly file: string;
  /** Machine id → its two HBA ports. */
  readonly wwpns: Readonly<Record<string, readonly string[]>>;
}

const hex = (n: number): string => n.toString(16).padStart(2, '0');

/**
 * An example topology with a Brocade fabric in its first site: the site's first array
 * reachable through it (one target port), and two HBA ports on every machine of the site.
 * Written to `dir`.
 */
export async function writeFcTopology(dir: string, source = LAB_SMALL): Promise<FcTopology> {
  const raw = parseYaml(await readFile(source, 'utf8')) as TopologyInput;
  const site = raw.sites[0];
  const array = site?.arrays?.[0];
  if (site === undefined || array === undefined)
    throw new Error(`${source} has no site with an array`);
  raw.credentials = [...(raw.credentials ?? []), { name: 'lab-fabric', kind: 'fabric' }];
  site.fabrics = [
    {
      id: 'fab-a',
      vendor: 'brocade',
      address: '127.0.0.1',
      port: 12291,
      credential: 'lab-fabric',
      hostKeyFingerprint: array.hostKeyFingerprint,
      zoneConfig: 'cfg_dc1',
    },
  ];
  array.fc = { fabric: 'fab-a', targetWwpns: [FC_TARGET_PORT] };
  const wwpns: Record<string, string[]> = {};
  (site.machines ?? []).forEach((m, i) => {
    wwpns[m.id] = [1, 2].map((port) => `10:00:00:00:c9:00:${hex(i + 1)}:${hex(port)}`);
    m.storage = { ...m.storage, wwpns: wwpns[m.id] };
  });
  const file = join(dir, 'lab-fc.yaml');
  await writeFile(file, toYaml(raw));
  return { file, wwpns };
}
