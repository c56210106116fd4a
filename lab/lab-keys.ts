import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Path of a file in lab/keys. The keys are not compiled, so code running from dist/lab/…
 * finds them in the source tree next to dist.
 */
export function labKeyFile(name: string): string {
  const candidates = [
    join(__dirname, 'keys', name),
    join(__dirname, '..', '..', 'lab', 'keys', name),
  ];
  const found = candidates.find((file) => existsSync(file));
  if (found === undefined)
    throw new Error(`lab key ${name} not found in ${candidates.join(' or ')}`);
  return found;
}
