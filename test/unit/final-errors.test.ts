import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { ActivityOptions } from '@temporalio/workflow';
import { NotFoundError, RackshiftError } from '../../common/errors';
import { StorageCommandError } from '../../drivers/storage/storage-errors';
import * as profiles from '../../workflows/activity-profiles';
import { FINAL_ERRORS } from '../../workflows/final-errors';

const ROOT = join(__dirname, '..', '..');
/** The layers an activity runs: an error of theirs can reach a retry policy. */
const LAYERS = ['common', 'drivers', 'activities', 'workflows', 'domain'];

function sources(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) =>
    e.isDirectory()
      ? sources(join(dir, e.name))
      : e.name.endsWith('.ts')
        ? [join(dir, e.name)]
        : [],
  );
}

/** Every exported RackshiftError class of those layers whose class says its errors are final. */
function finalClasses(): Array<{ file: string; cls: typeof RackshiftError; source: string }> {
  const found: Array<{ file: string; cls: typeof RackshiftError; source: string }> = [];
  for (const file of LAYERS.flatMap((l) => sources(join(ROOT, l)))) {
    const source = readFileSync(file, 'utf8');
    if (!/export class \w+ extends \w+/.test(source)) continue;
    for (const value of Object.values(require(file) as Record<string, unknown>)) {
      if (typeof value !== 'function' || !(value.prototype instanceof RackshiftError)) continue;
      const cls = value as typeof RackshiftError;
      if (cls.final) found.push({ file: relative(ROOT, file), cls, source });
    }
  }
  return found;
}

const policies = Object.entries(profiles).flatMap(([name, p]) => {
  const options = (typeof p === 'function' ? p(60) : p) as ActivityOptions | readonly string[];
  return 'retry' in options && options.retry ? [{ name, retry: options.retry }] : [];
});

describe('final errors', () => {
  const finals = finalClasses();

  it('finds the final classes of the activity layers (the scan reads something)', () => {
    expect(finals.map((f) => f.cls.name)).toEqual(
      expect.arrayContaining(['ValidationError', 'LeaseConflictError', 'VmNotFoundError']),
    );
  });

  it('lists every final class in the registry, under its stable name', () => {
    const missing = finals
      .filter((f) => !FINAL_ERRORS.includes(f.cls.name))
      .map((f) => `${f.cls.name} (${f.file})`);
    expect(missing).toEqual([]);
    for (const f of finals)
      expect(f.source).toMatch(new RegExp(`name(: string)? = '${f.cls.name}'`));
  });

  it('has every retry policy refuse every final error (undos: all but the declared few)', () => {
    expect(policies.map((p) => p.name)).toEqual(expect.arrayContaining(['powerOp', 'undoOp']));
    for (const { name, retry } of policies) {
      const spared = name === 'undoOp' ? profiles.RETRIED_BY_UNDOS : [];
      const refused = retry.nonRetryableErrorTypes ?? [];
      const missing = finals
        .map((f) => f.cls.name)
        .filter((n) => !spared.includes(n) && !refused.includes(n));
      expect({ profile: name, missing }).toEqual({ profile: name, missing: [] });
    }
  });

  it('makes an error of a final class unretryable, and leaves the others to the error', () => {
    expect(new NotFoundError('machine', 'm1').retryable).toBe(false);
    expect(new StorageCommandError('a1', 'mask', 'busy', true).retryable).toBe(true);
    expect(new StorageCommandError('a1', 'mask', 'bad', false).retryable).toBe(false);
  });
});
