import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import type { TopologyInput } from '../../inventory/topology-schema';

/**
 * A copy of the YAML topology `source`, changed by `edit`, written to a fresh temp file (returned).
 */
export function editedTopology(
  source: string,
  name: string,
  edit: (raw: TopologyInput) => void,
): string {
  const raw = parseYaml(readFileSync(source, 'utf8')) as TopologyInput;
  edit(raw);
  const file = join(mkdtempSync(join(tmpdir(), 'rackshift-topology-')), `${name}.yaml`);
  writeFileSync(file, toYaml(raw));
  return file;
}
