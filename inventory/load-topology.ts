import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ValidationError, type FieldIssue } from '../common/errors';
import { fieldIssues } from '../common/field-path';
import { crossReferenceIssues } from './cross-references';
import { topologySchema, type Topology } from './topology-schema';

/**
 * Thrown when a topology file cannot be read, parsed, or breaks a schema or cross-reference rule.
 */
export class TopologyError extends ValidationError {
  override readonly name: string = 'TopologyError';
  readonly file: string;
  constructor(file: string, issues: readonly FieldIssue[]) {
    super(`topology ${file} is invalid`, issues);
    this.file = file;
  }
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** Raw document → schema → cross references → frozen topology, or every issue at once. */
export function parseTopology(raw: unknown, source = '<input>'): Topology {
  const parsed = topologySchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) throw new TopologyError(source, fieldIssues(parsed.error));
  const issues = crossReferenceIssues(parsed.data);
  if (issues.length > 0) throw new TopologyError(source, issues);
  return deepFreeze(parsed.data);
}

/** Text in YAML or JSON (JSON is chosen by a .json extension or a leading `{`). */
export function parseTopologyText(text: string, source = '<input>'): Topology {
  let raw: unknown;
  try {
    raw =
      extname(source) === '.json' || text.trimStart().startsWith('{')
        ? JSON.parse(text)
        : parseYaml(text, { prettyErrors: true });
  } catch (e) {
    throw new TopologyError(source, [
      {
        path: '',
        message: `not valid ${extname(source) === '.json' ? 'JSON' : 'YAML'}: ${(e as Error).message.split('\n')[0]}`,
      },
    ]);
  }
  return parseTopology(raw, source);
}

export async function loadTopologyFile(file: string): Promise<Topology> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new TopologyError(file, [
      {
        path: '',
        message: `cannot read file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      },
    ]);
  }
  return parseTopologyText(text, file);
}
